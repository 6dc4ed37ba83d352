/**
 * RMCP/ASF Presence Ping (DMTF DSP0136, section 3.2.4.1), done in-process: a 12-byte UDP
 * datagram that any IPMI-over-LAN BMC answers with a Presence Pong, without a session or
 * credentials. FreeIPMI's `ipmiping`/`rmcpping` cannot take a port and refuse loopback;
 * OpenIPMI's `rmcp_ping` always waits its full timeout. Here the socket is connected, so
 * an ICMP port-unreachable surfaces as ECONNREFUSED instead of a silent timeout.
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

export type RmcpPingOutcome =
  | { readonly ok: true; readonly durationMs: number; readonly ipmiSupported: boolean }
  | {
      readonly ok: false;
      readonly durationMs: number;
      readonly reason: 'timeout' | 'refused' | 'error';
      readonly detail: string;
    };

/** RMCP v1.0, reserved, sequence FFh (no RMCP ACK), class ASF; IANA 4542, Presence Ping. */
export function presencePing(tag: number): Buffer {
  return Buffer.from([
    0x06,
    0x00,
    0xff,
    0x06,
    0x00,
    0x00,
    0x11,
    0xbe,
    0x80,
    tag & 0xff,
    0x00,
    0x00,
  ]);
}

/** Returns whether the pong answers `tag` and whether it advertises IPMI; null if not a pong. */
export function readPong(msg: Buffer, tag: number): { ipmiSupported: boolean } | null {
  if (msg.length < 12 || msg[0] !== 0x06 || msg[3] !== 0x06 || msg[8] !== 0x40) return null;
  if (msg[9] !== (tag & 0xff)) return null;
  // Pong data: IANA (4), OEM (4), supported entities (1): bit 7 = IPMI supported.
  const entities = msg.length > 20 ? (msg[20] ?? 0) : 0;
  return { ipmiSupported: (entities & 0x80) !== 0 };
}

/** Errors that mean the packets cannot reach a BMC at that address at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

export function rmcpPing(host: string, port: number, timeoutMs: number): Promise<RmcpPingOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let tag = Math.floor(Math.random() * 0xfe);
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: RmcpPingOutcome): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      socket.close();
      resolve(outcome);
    };
    const send = (): void => {
      if (done) return;
      tag = (tag + 1) % 0xff;
      socket.send(presencePing(tag), (err) => {
        if (err) fail(err);
      });
    };
    const fail = (err: NodeJS.ErrnoException): void => {
      finish({
        ok: false,
        durationMs: elapsed(),
        reason: UNREACHABLE.has(err.code ?? '') ? 'refused' : 'error',
        detail: err.code ?? err.message,
      });
    };
    socket.on('error', fail);
    socket.on('message', (msg) => {
      const pong = readPong(msg, tag);
      if (pong) finish({ ok: true, durationMs: elapsed(), ipmiSupported: pong.ipmiSupported });
    });
    socket.connect(port, host, (err?: NodeJS.ErrnoException) => {
      // Node calls back with the lookup error too (and emits 'error'); never send then.
      if (err) return fail(err);
      send();
      // UDP may drop the first datagram; resend a few times inside the budget.
      const every = Math.max(100, Math.floor(timeoutMs / 4));
      for (let at = every; at < timeoutMs; at += every) timers.push(setTimeout(send, at));
    });
    timers.push(
      setTimeout(
        () =>
          finish({
            ok: false,
            durationMs: elapsed(),
            reason: 'timeout',
            detail: `no pong within ${timeoutMs} ms`,
          }),
        timeoutMs,
      ),
    );
  });
}

/** Line handling shared by every parser: CRLF, trailing blanks, host prefixes, tool noise. */

export interface Line {
  /** 1-based line number in the input. */
  readonly no: number;
  /** The line without its line terminator and trailing whitespace. */
  readonly text: string;
}

/** Splits on LF, CRLF or a lone CR (output captured through a serial console or a Windows host). */
export function splitLines(input: string): Line[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const parts = text.split(/\r\n|\r|\n/);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  // trimEnd, not /\s+$/: that regex is quadratic on a line with a long run of inner blanks.
  return parts.map((p, i) => ({ no: i + 1, text: p.trimEnd() }));
}

/**
 * FreeIPMI prefixes every line with `<host>: ` in fan-out mode or with `--always-prefix`
 * (`127.0.0.1:9001: 2,CPU Temp,...`), and so do pdsh/clush when ipmitool runs through them.
 * A host has no blanks, commas or pipes, which keeps a CSV row whose text holds ": " (the
 * OS Boot event `C: boot completed`) from being mistaken for a prefixed line. A blank line
 * of a host's output is the bare prefix (`127.0.0.1:9001:`, its trailing blank trimmed).
 */
const HOST_PREFIX = /^([^\s,|:][^\s,|]*?):(?:[ \t]+(.*))?$/;

export function splitHostPrefix(text: string): { host: string | null; body: string } {
  const m = HOST_PREFIX.exec(text);
  if (!m) return { host: null, body: text };
  const host = m[1] ?? '';
  // A bare number before ": " is not a host (`12: foo`); a host has a letter, a dot or a colon.
  if (!/[A-Za-z.:[\]-]/.test(host)) return { host: null, body: text };
  return { host, body: m[2] ?? '' };
}

/** Lines the tools print around their records that are not records and not errors. */
const BENIGN = [
  /^SEL has no entries$/i,
  /^SEL Information$/i,
  /^Loading IANA PEN Registry/i,
  /^Running Get /i,
  /^Discovered IPMB/i,
  /^Close Session command failed/i,
  /^Locating sensor record/i,
  /^Receiving sensor data record/i,
  /^Reading sensor data record/i,
  /^Caching SDR repository information/i,
  /^\[[= ]*\]\s*\d+%?/,
  /^-+$/,
];

/**
 * Error messages of the tools themselves (they reach the parser when stderr is merged, and
 * FreeIPMI prints per-host failures on the same stream in fan-out mode).
 */
const TOOL_ERROR = [
  /^(?:ipmitool|ipmi-sensors|ipmi-sel|ipmimonitoring|ipmi-dcmi|ipmi-chassis|ipmi-fru|bmc-info|bmc-device|ipmi-oem|ipmi-raw|ipmiseld|ipmi-sensors-config|ipmi-config)(?:\[\d+\])?: .+/i,
  /^Error(?:\s*:|\s+in\b|\s+obtaining\b|\s+getting\b|\s+sending\b)/i,
  /^Unable to /i,
  /^Invalid (?:user name|username|password|completion code|session|command)/i,
  /^(?:Get|Set|Activate|Reserve|Clear) [A-Za-z ]*(?:command )?failed/i,
  /^DCMI request failed/i,
  /^Insufficient privilege level/i,
  /^Set Session Privilege Level/i,
  /^Activate Session (?:error|command failed)/i,
  /^No data available$/i,
  /^Address lookup for .* failed/i,
  /^Could not open device/i,
  /^Failed to /i,
  /^IPMI command failed/i,
  /^RAKP \d/i,
];

export type LineClass = 'blank' | 'benign' | 'tool-error' | 'content';

export function classifyLine(body: string): LineClass {
  const t = body.trim();
  if (t === '') return 'blank';
  if (BENIGN.some((r) => r.test(t))) return 'benign';
  if (TOOL_ERROR.some((r) => r.test(t))) return 'tool-error';
  return 'content';
}

/** Cuts a line for an error message. */
export function excerpt(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A throwaway Debian PostgreSQL 15 server (the `postgresql` package; no TimescaleDB), for the
 * one thing the embedded engine cannot test: the `pg` adapter's COPY path (COPY through the
 * embedded engine's socket crashes it). Runs on a unix socket in a temp directory, trust
 * authentication, as the `postgres` user when this process is root (initdb refuses root).
 * Not part of the package's public API.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PlainPostgres {
  /** pg connection string over the unix socket. */
  url: string;
  stop(): void;
}

export function startPlainPostgres(): PlainPostgres {
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(
      `${BIN}/initdb not found: install the Debian package postgresql (scripts/bootstrap.sh does)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'ipmi-pg15-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  let uid = -1;
  let gid = -1;
  if (root) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const r = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], {
          encoding: 'utf8',
        })
      : spawnSync(join(BIN, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  // A port number is still needed for the socket file's name; nothing listens on TCP.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  run('pg_ctl', [
    '-D',
    data,
    '-w',
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses='' -c fsync=off`,
    'start',
  ]);
  return {
    url: `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

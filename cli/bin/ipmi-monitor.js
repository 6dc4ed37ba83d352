#!/usr/bin/env node
// The ipmi-monitor command. Shipped images run the compiled dist/main.js; in a checkout
// (no dist/) it runs the TypeScript sources through tsx with the "ipmi-source" export
// condition, in a child Node process because conditions can only be set at start-up.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (existsSync(compiled)) {
  await import(compiled);
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=ipmi-source', '--import', 'tsx', source, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, IPMI_MONITOR_WRAPPER_PID: String(process.pid) } },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

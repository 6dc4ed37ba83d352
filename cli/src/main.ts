/**
 * `ipmi-monitor <command>`: the one entry point of every process (a compose container per
 * service, or everything in one process locally). Commands load their modules lazily so a
 * `parse` does not pay for Kafka or the database.
 */
import { readFileSync } from 'node:fs';
import { runCommand } from './commands.js';

// kafkajs (2.2) sets a timer from a stale timestamp on every connection, which Node 24 warns
// about once per process; the warning is harmless and only confuses operators reading the
// output. Every other warning is still printed.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});

// Run through bin/ipmi-monitor.js in a checkout, this process is the wrapper's child. A
// wrapper killed with SIGKILL cannot pass the signal on, and a service left behind would keep
// polling BMCs and holding partitions: when the wrapper is gone, stop as if told to.
const wrapper = Number(process.env.IPMI_MONITOR_WRAPPER_PID ?? 0);
if (wrapper > 0) {
  const watch = setInterval(() => {
    if (process.ppid !== wrapper) {
      clearInterval(watch);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  watch.unref();
}

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const code = await runCommand(process.argv.slice(2), {
  version,
  stdin: process.stdin,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
process.exitCode = code;

/**
 * `ipmi-monitor <command>`: the one entry point of every process (a compose container per
 * service, or everything in one process locally). Commands load their modules lazily so a
 * `parse` does not pay for Kafka or the database.
 */
import { readFileSync } from 'node:fs';
import { runCommand } from './commands.js';

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

import { isCodedError } from '@ipmi-monitor/runtime';

export interface CommandIo {
  version: string;
  stdin: AsyncIterable<Buffer | string>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `usage: ipmi-monitor <command> [options]

commands:
  parse <format>     read one IPMI tool's output on stdin, print one JSON object per record
  --version          print the version
  help               this text
`;

async function readAll(stdin: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: string[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? c : c.toString('utf8'));
  return chunks.join('');
}

/** Runs one command; returns the process exit code. Errors print as `CODE: message`. */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case 'version':
        io.stdout(`${io.version}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case 'parse': {
        const { PARSE_USAGE, runParseCommand } = await import('@ipmi-monitor/ipmi');
        const format = rest[0];
        if (!format) {
          io.stderr(`${PARSE_USAGE}\n`);
          return 2;
        }
        const out = runParseCommand(format, await readAll(io.stdin), {
          onIssue: (m) => io.stderr(`warning: ${m}\n`),
        });
        io.stdout(out);
        return 0;
      }
      default:
        io.stderr(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (isCodedError(err) || (err instanceof Error && 'code' in err)) {
      const e = err as Error & { code: string };
      io.stderr(`${e.code}: ${e.message}\n`);
      return 1;
    }
    throw err;
  }
}

import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log object. BMC credentials must never
 * reach a log, even when a whole server config or request body is logged by mistake.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'credentials',
  '*.credentials',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerConfig {
  /** Process or service name, e.g. "collector". */
  name: string;
  level?: string | undefined;
  /** Pretty, human output. Defaults to whether stdout is a TTY. */
  pretty?: boolean | undefined;
}

/** One root logger per process; components take `logger.child({ component })`. */
export function createLogger(config: LoggerConfig, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = config.pretty ?? process.stdout.isTTY;
  if (destination) return pino(options, destination);
  // pino-pretty is a development dependency: the production image has no copy, and pino
  // throws at start when its transport target is missing (`docker compose run` gives a TTY).
  // Without it, a terminal gets the same JSON lines a file would.
  if (pretty && prettyAvailable()) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

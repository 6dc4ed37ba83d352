/**
 * One error type for the whole project. Callers branch on `err.code`, never on
 * `instanceof`, because errors cross package boundaries (and, as DLQ headers, process
 * boundaries) where class identity is lost.
 *
 * Each package declares its codes in a catalog (`defineErrorCatalog`) with a per-package
 * prefix (`RT_`, `DB_`, `SCH_`, `COL_`, ...). `docs/errors.md` is generated from the
 * catalogs, so every code an operator can see is documented.
 */

export interface ErrorSpec {
  /** Retriable errors are transient: the caller may back off and try again. */
  readonly retriable: boolean;
  /** HTTP status when the error reaches the API; 500 when absent. */
  readonly status?: number;
  /** One sentence for docs/errors.md: what happened and what the operator can do. */
  readonly doc: string;
}

export type ErrorCatalog = Readonly<Record<string, ErrorSpec>>;

export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly retriable: boolean;
  readonly status: number | undefined;

  constructor(
    code: C,
    message: string,
    options: { retriable: boolean; status?: number | undefined; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    this.retriable = options.retriable;
    this.status = options.status;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable };
  }
}

/** A catalog plus a typed factory for its codes. */
export function defineErrorCatalog<const T extends ErrorCatalog>(prefix: string, catalog: T) {
  for (const code of Object.keys(catalog)) {
    if (!code.startsWith(prefix)) {
      throw new Error(`error code ${code} does not start with its package prefix ${prefix}`);
    }
  }
  const make = (
    code: keyof T & string,
    message: string,
    cause?: unknown,
  ): CodedError<keyof T & string> => {
    const spec = catalog[code] as ErrorSpec;
    return new CodedError(code, message, { retriable: spec.retriable, status: spec.status, cause });
  };
  return { prefix, catalog, error: make } as const;
}

/** True for any error carrying a string `code` (ours, or Node's `ECONNREFUSED`-style). */
export function hasCode(err: unknown): err is { code: string; message: string } {
  return (
    typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
  );
}

export function isCodedError(err: unknown): err is CodedError {
  return hasCode(err) && typeof (err as { retriable?: unknown }).retriable === 'boolean';
}

/** Whether a failure should be retried: coded errors say so; anything unknown is not. */
export function isRetriable(err: unknown): boolean {
  return isCodedError(err) ? err.retriable : false;
}

export const runtimeErrors = defineErrorCatalog('RT_', {
  RT_CONFIG_INVALID: {
    retriable: false,
    doc: 'A configuration variable is missing or malformed; the message names the variable.',
  },
  RT_KAFKA_UNAVAILABLE: {
    retriable: true,
    doc: 'The Kafka broker could not be reached; the service backs off and retries.',
  },
  RT_REGISTRY_UNAVAILABLE: {
    retriable: true,
    doc: 'The schema registry could not be reached; encoding and decoding wait and retry.',
  },
  RT_SCHEMA_INCOMPATIBLE: {
    retriable: false,
    doc: 'The registry rejected a schema as incompatible with the registered versions (BACKWARD).',
  },
  RT_DECODE_FAILED: {
    retriable: false,
    doc: 'A Kafka message is not Confluent-framed Avro or its schema id is unknown; it goes to the DLQ.',
  },
  RT_UNKNOWN_RECORD_TYPE: {
    retriable: false,
    doc: 'A message decoded to a record type the topic does not carry; it goes to the DLQ.',
  },
  RT_HANDLER_FAILED: {
    retriable: false,
    doc: 'A consumer handler failed with an error that is not retriable; the message goes to the DLQ.',
  },
  RT_KAFKA_FENCED: {
    retriable: false,
    doc: 'A stream processor task was fenced: another instance took over its partition (a rebalance this instance missed, e.g. after a long pause). The instance stops and must be restarted; nothing it had not committed is lost.',
  },
  RT_SHUTDOWN_TIMEOUT: {
    retriable: false,
    doc: 'A resource did not close within the shutdown deadline; the process exits anyway.',
  },
});

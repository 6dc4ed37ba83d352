import { runtimeErrors } from './errors.js';

/**
 * Declarative configuration: each service lists the environment variables it reads, with
 * a type, a default and a sentence of documentation. `parseConfig` runs once at start-up
 * and fails with RT_CONFIG_INVALID naming the variable; the same specs generate the
 * configuration reference, so docs cannot drift from code.
 */
export type ConfigVarType = 'string' | 'int' | 'bool' | 'list' | 'url';

interface VarTypes {
  string: string;
  int: number;
  bool: boolean;
  list: string[];
  url: string;
}

export interface ConfigVar<T extends ConfigVarType = ConfigVarType> {
  env: string;
  type: T;
  doc: string;
  /** Absent means required. `null` means optional with no value. */
  default?: VarTypes[T] | null;
  /** Never print the value (passwords, keys). */
  secret?: boolean;
  min?: number;
}

export type ConfigSpec = Readonly<Record<string, ConfigVar>>;

export type ConfigOf<S extends ConfigSpec> = {
  [K in keyof S]: S[K] extends ConfigVar<infer T>
    ? S[K] extends { default: null }
      ? VarTypes[T] | null
      : VarTypes[T]
    : never;
};

/** Helps TypeScript keep the literal `type` of each variable. */
export function defineConfig<const S extends ConfigSpec>(spec: S): S {
  return spec;
}

function invalid(name: string, message: string) {
  return runtimeErrors.error('RT_CONFIG_INVALID', `${name}: ${message}`);
}

function parseValue(v: ConfigVar, raw: string): unknown {
  switch (v.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw invalid(v.env, `expected an integer, got "${raw}"`);
      const n = Number(raw);
      if (v.min !== undefined && n < v.min) throw invalid(v.env, `must be >= ${v.min}, got ${n}`);
      return n;
    }
    case 'bool': {
      const t = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      throw invalid(v.env, `expected true/false, got "${raw}"`);
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    case 'url':
      try {
        return new URL(raw).toString().replace(/\/$/, '');
      } catch {
        throw invalid(v.env, `expected a URL, got "${raw}"`);
      }
  }
}

export function parseConfig<const S extends ConfigSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(spec)) {
    const raw = env[v.env];
    if (raw === undefined || raw === '') {
      if (v.default === undefined) throw invalid(v.env, 'is required but not set');
      out[key] = v.default;
    } else {
      out[key] = parseValue(v, raw);
    }
  }
  return out as ConfigOf<S>;
}

/** Markdown table rows for docs/configuration.md. */
export function describeConfig(spec: ConfigSpec): string {
  const rows = Object.values(spec).map((v) => {
    const def =
      v.default === undefined
        ? '(required)'
        : v.default === null
          ? '(unset)'
          : `\`${Array.isArray(v.default) ? v.default.join(',') : String(v.default)}\``;
    return `| \`${v.env}\` | ${v.type} | ${def} | ${v.doc} |`;
  });
  return ['| variable | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** Settings every service shares: where Kafka and the registry are, logging. */
export const commonConfig = defineConfig({
  kafkaBrokers: {
    env: 'KAFKA_BROKERS',
    type: 'list',
    default: ['127.0.0.1:9092'],
    doc: 'Kafka bootstrap servers, comma separated.',
  },
  registryUrl: {
    env: 'SCHEMA_REGISTRY_URL',
    type: 'url',
    default: 'http://127.0.0.1:8081/apis/ccompat/v7',
    doc: 'Confluent-compatible schema registry base URL (Apicurio: .../apis/ccompat/v7).',
  },
  topicPrefix: {
    env: 'IPMI_TOPIC_PREFIX',
    type: 'string',
    default: '',
    doc: 'Prefix for every topic and consumer group (isolates tenants or test runs on one broker).',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    type: 'string',
    default: 'info',
    doc: 'pino log level: fatal, error, warn, info, debug, trace.',
  },
});

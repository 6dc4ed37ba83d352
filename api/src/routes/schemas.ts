/**
 * JSON schemas shared by routes: they validate requests, shape responses (fastify serializes
 * only the properties listed, so a field not in a response schema can never leak) and
 * become the OpenAPI document.
 */
export const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 2000 },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

export const pageOf = (item: object) =>
  ({
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      nextCursor: nullableString,
    },
  }) as const;

export const tokenSchema = {
  type: 'object',
  properties: {
    tokenId: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    username: nullableString,
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    expiresAt: nullableString,
    lastUsedAt: nullableString,
    revokedAt: nullableString,
  },
} as const;

export const intervalsSchema = {
  type: 'object',
  description: 'Per-task poll interval in ms; null: the collector default; 0: off.',
  properties: {
    sensorsMs: nullableInt,
    selMs: nullableInt,
    powerMs: nullableInt,
    inventoryMs: nullableInt,
  },
} as const;

/** A server as the API shows it: configuration (never the password) and current state. */
export const serverSchema = {
  type: 'object',
  properties: {
    serverId: { type: 'string' },
    name: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'integer' },
    driver: { type: 'string' },
    cipherSuite: nullableInt,
    privilegeLevel: { type: 'string' },
    workaroundFlags: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    model: nullableString,
    enabled: { type: 'boolean' },
    intervals: intervalsSchema,
    revision: { type: 'integer' },
    configuredAt: { type: 'string' },
    username: { type: 'string', description: 'BMC user (the password is never returned).' },
    health: {
      type: 'string',
      description: 'OK, WARNING, CRITICAL, UNREACHABLE or UNKNOWN (not polled yet, or disabled).',
    },
    reachable: { type: ['boolean', 'null'] },
    reachabilityReason: nullableString,
    powerState: nullableString,
    powerWatts: nullableNumber,
    lastPollAt: nullableString,
    manufacturer: nullableString,
    productName: nullableString,
    bmcFirmware: nullableString,
    criticalAlerts: { type: 'integer' },
    warningAlerts: { type: 'integer' },
  },
} as const;

/** The server's configuration as `POST /servers` takes it (also one row of an import). */
export const serverInputSchema = {
  type: 'object',
  description:
    'Unknown fields and invalid values are reported per field (422), by the same rules as the bulk import.',
  properties: {
    serverId: {
      type: 'string',
      description: 'Lower-case id; derived from the name when absent.',
    },
    name: { type: 'string' },
    host: { type: 'string', description: 'BMC address: IPv4, IPv6 or DNS name.' },
    // No `default` here: ajv would fill it into a PATCH body and change the port.
    port: { type: 'integer', description: 'UDP port; 623 when absent.' },
    driver: { type: 'string', enum: ['FREEIPMI', 'IPMITOOL', 'freeipmi', 'ipmitool'] },
    username: { type: 'string' },
    password: { type: 'string', description: 'Stored encrypted (AES-256-GCM); never returned.' },
    privilege: { type: 'string', enum: ['USER', 'OPERATOR', 'ADMINISTRATOR'] },
    cipherSuite: { type: ['integer', 'null'] },
    workaroundFlags: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    model: { type: ['string', 'null'] },
    enabled: { type: 'boolean' },
    intervals: {
      type: 'object',
      description: '`60s`, `5m`, a number of seconds, `off`, or null for the default.',
      properties: {
        sensors: { type: ['string', 'number', 'null'] },
        sel: { type: ['string', 'number', 'null'] },
        power: { type: ['string', 'number', 'null'] },
        inventory: { type: ['string', 'number', 'null'] },
      },
    },
  },
} as const;

export const licenceSchema = {
  type: 'object',
  properties: {
    tier: { type: 'string' },
    serversUsed: { type: 'integer' },
    serversLimit: { type: 'integer' },
    overLimit: { type: 'boolean' },
    upgradeHint: nullableString,
  },
} as const;

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: nullableString, message: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * Users, tokens and the audit trail in the database (tables of migration 0004). The only
 * module that writes them.
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Queryable } from '@ipmi-monitor/db';
import {
  generatePassword,
  generateToken,
  hashPassword,
  parseToken,
  secretMatches,
  verifyPassword,
} from './secrets.js';

export type Role = 'admin' | 'read-only';
export const ROLES: readonly Role[] = ['admin', 'read-only'];

/** Who is making a request, once authenticated. */
export interface Principal {
  /** `user:<name>` for a login session, `token:<name>` for an API token. */
  actor: string;
  role: Role;
  tokenId: string;
  kind: 'api' | 'session';
}

export interface TokenInfo {
  tokenId: string;
  kind: 'api' | 'session';
  name: string;
  role: Role;
  username: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface TokenRow {
  token_id: string;
  kind: 'api' | 'session';
  name: string;
  role: Role;
  secret_sha256: string;
  username: string | null;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function tokenInfo(r: TokenRow): TokenInfo {
  return {
    tokenId: r.token_id,
    kind: r.kind,
    name: r.name,
    role: r.role,
    username: r.username,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

/**
 * How long a verified token is trusted without asking the database again. Every request
 * checks its token; on the embedded engine that lookup was a third of a small request's time
 * (bench/api-latency.ts). A revocation through this process takes effect at once; through
 * another API process, within this time.
 */
export const TOKEN_CACHE_MS = 5_000;

export class AuthStore {
  /** last_used_at is written at most this often per token, not on every request. */
  readonly #touched = new Map<string, number>();
  /** Verified bearer values (keyed by the whole value, so a wrong secret never hits). */
  readonly #verified = new Map<
    string,
    { principal: Principal; until: number; expiresAt: number | null }
  >();

  constructor(
    private readonly db: Queryable,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The principal behind a bearer value, or null (unknown, wrong secret, revoked, expired). */
  async authenticate(bearer: string): Promise<Principal | null> {
    const parsed = parseToken(bearer);
    if (!parsed) return null;
    const now = this.clock();
    const known = this.#verified.get(bearer);
    if (known && known.until > now && (known.expiresAt === null || known.expiresAt > now)) {
      return known.principal;
    }
    this.#verified.delete(bearer);
    const { rows } = await this.db.query<TokenRow>('SELECT * FROM api_tokens WHERE token_id = $1', [
      parsed.tokenId,
    ]);
    const row = rows[0];
    if (!row || !secretMatches(parsed.secret, row.secret_sha256)) return null;
    if (row.revoked_at !== null) return null;
    if (row.expires_at !== null && row.expires_at.getTime() <= now) return null;
    const last = this.#touched.get(row.token_id) ?? 0;
    if (now - last > 60_000) {
      this.#touched.set(row.token_id, now);
      await this.db.query('UPDATE api_tokens SET last_used_at = $2 WHERE token_id = $1', [
        row.token_id,
        new Date(now).toISOString(),
      ]);
    }
    const principal: Principal = {
      actor: row.kind === 'session' ? `user:${row.username ?? row.name}` : `token:${row.name}`,
      role: row.role,
      tokenId: row.token_id,
      kind: row.kind,
    };
    if (this.#verified.size > 10_000) this.#verified.clear();
    this.#verified.set(bearer, {
      principal,
      until: now + TOKEN_CACHE_MS,
      expiresAt: row.expires_at?.getTime() ?? null,
    });
    return principal;
  }

  /** Forgets cached verifications of a token (revoked, or its user deleted). */
  #forget(match: (p: Principal) => boolean): void {
    for (const [bearer, v] of this.#verified) if (match(v.principal)) this.#verified.delete(bearer);
  }

  async login(
    username: string,
    password: string,
    sessionHours: number,
  ): Promise<{ token: string; info: TokenInfo } | null> {
    const { rows } = await this.db.query<{ role: Role; password_hash: string }>(
      'SELECT role, password_hash FROM api_users WHERE username = $1',
      [username],
    );
    const user = rows[0];
    // Hash anyway when the user is unknown, so timing does not tell which names exist.
    const ok = user
      ? await verifyPassword(password, user.password_hash)
      : (await verifyPassword(password, DUMMY_HASH), false);
    if (!user || !ok) return null;
    return this.issue({
      kind: 'session',
      name: `login ${username}`,
      role: user.role,
      username,
      createdBy: `user:${username}`,
      expiresAt: this.clock() + sessionHours * 3_600_000,
    });
  }

  async issue(o: {
    kind: 'api' | 'session';
    name: string;
    role: Role;
    username?: string | null;
    createdBy: string;
    expiresAt?: number | null;
  }): Promise<{ token: string; info: TokenInfo }> {
    const t = generateToken();
    const { rows } = await this.db.query<TokenRow>(
      `INSERT INTO api_tokens (token_id, kind, name, role, secret_sha256, username, created_at,
                               created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        t.tokenId,
        o.kind,
        o.name,
        o.role,
        t.secretSha256,
        o.username ?? null,
        new Date(this.clock()).toISOString(),
        o.createdBy,
        o.expiresAt == null ? null : new Date(o.expiresAt).toISOString(),
      ],
    );
    return { token: t.token, info: tokenInfo(rows[0]!) };
  }

  async listTokens(): Promise<TokenInfo[]> {
    const { rows } = await this.db.query<TokenRow>(
      `SELECT * FROM api_tokens WHERE kind = 'api' ORDER BY created_at, token_id`,
    );
    return rows.map(tokenInfo);
  }

  /** True when a live token was revoked now. */
  async revoke(tokenId: string): Promise<boolean> {
    this.#forget((p) => p.tokenId === tokenId);
    const { rows } = await this.db.query<{ token_id: string }>(
      `UPDATE api_tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL
       RETURNING token_id`,
      [tokenId, new Date(this.clock()).toISOString()],
    );
    return rows.length > 0;
  }

  async hasUsers(): Promise<boolean> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_users');
    return (rows[0]?.n ?? 0) > 0;
  }

  /** False when the user exists already. */
  async createUser(username: string, password: string, role: Role, by: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `INSERT INTO api_users (username, role, password_hash, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING username`,
      [username, role, await hashPassword(password), new Date(this.clock()).toISOString(), by],
    );
    return rows.length > 0;
  }

  async listUsers(): Promise<
    { username: string; role: Role; createdAt: string; createdBy: string }[]
  > {
    const { rows } = await this.db.query<{
      username: string;
      role: Role;
      created_at: Date;
      created_by: string;
    }>('SELECT username, role, created_at, created_by FROM api_users ORDER BY username');
    return rows.map((r) => ({
      username: r.username,
      role: r.role,
      createdAt: r.created_at.toISOString(),
      createdBy: r.created_by,
    }));
  }

  /** Deletes the user and ends their sessions; false when there was no such user. */
  async deleteUser(username: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'DELETE FROM api_users WHERE username = $1 RETURNING username',
      [username],
    );
    if (rows.length === 0) return false;
    this.#forget((p) => p.actor === `user:${username}`);
    await this.db.query(
      `UPDATE api_tokens SET revoked_at = $2 WHERE username = $1 AND revoked_at IS NULL`,
      [username, new Date(this.clock()).toISOString()],
    );
    return true;
  }

  async audit(e: {
    actor: string;
    role: Role | null;
    action: string;
    target: string | null;
    outcome: 'ok' | 'denied' | 'failed';
    status: number;
    remote: string | null;
    detail?: Record<string, unknown>;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO api_audit (time, actor, role, action, target, outcome, status, remote, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        new Date(this.clock()).toISOString(),
        e.actor,
        e.role,
        e.action,
        e.target,
        e.outcome,
        e.status,
        e.remote,
        JSON.stringify(e.detail ?? {}),
      ],
    );
  }
}

/** A valid hash of nothing anyone knows, to spend the same time on unknown user names. */
const DUMMY_HASH =
  'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/**
 * First start: no user exists, so an `admin` with a generated password is created and
 * written to `file` (mode 0600, created exclusively; the directory 0700). Returns the file
 * when it did so. The log says where the file is, never what is in it.
 */
export async function ensureFirstAdmin(store: AuthStore, file: string): Promise<string | null> {
  if (await store.hasUsers()) return null;
  const password = generatePassword();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.writeFile(
      `# IPMI Monitor: the first admin, generated at first start. Log in, create your own\n` +
        `# users and tokens, then delete this file.\nusername=admin\npassword=${password}\n`,
    );
  } finally {
    await handle.close();
  }
  await chmod(file, 0o600);
  await store.createUser('admin', password, 'admin', 'first-start');
  return file;
}

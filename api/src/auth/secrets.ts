/**
 * Password hashing and bearer tokens, pure apart from randomness.
 *
 * Passwords: scrypt (Node's built-in; memory-hard, no native module to build) with a random
 * salt, stored as `scrypt$N$r$p$salt$hash`, so the cost can rise later without breaking
 * stored hashes. Tokens: `ipm_<id>_<secret>`, 32 random bytes of secret. The id finds the
 * row; only SHA-256 of the secret is stored, compared in constant time. A token is shown
 * once, when it is created.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** N=2^15, r=8: ~32 MiB and tens of ms per hash, OWASP's floor for scrypt. */
const COST = { N: 32768, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEY_BYTES, { ...COST, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A password for the generated admin: 24 characters of base64url, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface NewToken {
  tokenId: string;
  /** The whole bearer value, to hand out once. */
  token: string;
  secretSha256: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function generateToken(): NewToken {
  const tokenId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { tokenId, token: `ipm_${tokenId}_${secret}`, secretSha256: sha256(secret) };
}

/** Splits a bearer value; null when it is not one of ours. */
export function parseToken(token: string): { tokenId: string; secret: string } | null {
  const m = /^ipm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { tokenId: m[1]!, secret: m[2]! } : null;
}

/** Constant-time comparison of a presented secret with the stored digest. */
export function secretMatches(secret: string, storedSha256: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(storedSha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

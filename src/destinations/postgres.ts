/**
 * The postgres destination (issue 25): one row per (route, event) in a configured
 * table, created if missing, inserted in batches with ON CONFLICT DO NOTHING, so
 * duplicates, redeliveries and replays never add a row — exactly once at the table.
 *
 * Table (created by the first attempt of each container, CREATE TABLE IF NOT EXISTS):
 *   identity    text        hex SHA-256 of the event's identity (src/stores/dedupe.ts
 *                           eventIdentity, the one idempotency uses; in SQL:
 *                           encode(sha256(convert_to(<identity>, 'UTF8')), 'hex')) —
 *                           a digest, so an id of any length fits the index (a btree
 *                           entry holds ≈ 2.7 KB) and no newline lands in a key
 *   route       text        the route that delivered it
 *   stream, type, munchkin_id, lead_id   text (the envelope's stream, type, munchkinId, leadId)
 *   event_time  timestamptz the envelope's time (null when not a year 1–9999 instant)
 *   received_at timestamptz when the relay received it
 *   envelope    jsonb       the whole envelope
 *   inserted_at timestamptz when the row was written
 *   PRIMARY KEY (identity, route)
 * The key holds the route because the relay's promise is per (route, event): two routes
 * fanning the same event out to one table are two deliveries, each exactly once (with
 * the identity alone the second route's row would silently be "already there").
 *
 * PostgreSQL cannot hold U+0000 in text or jsonb, nor a lone UTF-16 surrogate in jsonb:
 * such characters (anywhere in the row, keys included) are written as U+FFFD and the
 * attempt's detail counts the events that had them — one bad character never dead-letters
 * the 499 other events of its batch.
 *
 * A batch is one parameter (a JSON array read by jsonb_array_elements: parsed once, where json_array_elements
 * and a cast per row took 1.6 times as long), so no batch size
 * meets the protocol's 65,535 bind-parameter limit; rows are sorted by key so two
 * containers inserting overlapping batches take their row locks in one order.
 *
 * Connections: one small pg.Pool per destination and container (`poolSize`, default 4,
 * the receivers' concurrency), loaded lazily (`pg` is required on the first attempt, not
 * with the bundle). Each attempt ends by its deadline: the connection wait is raced against
 * it, the statement runs under `statement_timeout` set from the time left, and a client-side
 * timeout ends a statement whose server stopped answering. A client that failed is dropped
 * from the pool, so after a server restart the next attempt opens fresh connections.
 *
 * TLS follows libpq's sslmode: `require` encrypts without verifying (verify-ca when `ca` is
 * given, as libpq does with a root certificate), `verify-ca` checks the chain, `verify-full`
 * the chain and the host name; `no-verify` is node-postgres' name for libpq's `require`.
 * Deployed, sslmode is required and never `disable`, and the host is public by the rules every
 * destination follows (endpoint-url.ts: no internal IP literal, no single-label or local-only
 * name), read after normalizing it as the resolver would (127.1 is 127.0.0.1); a name is not
 * resolved at parse. Locally, a loopback host may also go without TLS.
 */
import { createHash } from 'node:crypto';
import type { ClientConfig, Pool, PoolClient, QueryConfig } from 'pg';
import { eventIdentity } from '../stores/dedupe';
import { withTimeout } from '../timeout';
import { isInternalHost, isLoopbackHostname } from './endpoint-url';
import { excerptOf, type Attempt, type AttemptOptions, type Destination, type DestinationBatch } from './destination';

export interface PostgresConfig {
  kind: 'postgres';
  /** postgres://user:pass@host:5432/db?sslmode=require */
  url: string;
  /** a table name, optionally schema-qualified: lowercase letters, digits, _ */
  table: string;
  /** PEM certificate(s) the server's certificate must chain to */
  ca?: string;
  batch?: { events?: number };
}

export interface PostgresDeps {
  /** connections per container: the action's concurrency (default 4) */
  poolSize?: number;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export const DEFAULT_BATCH_EVENTS = 500;
export const MAX_BATCH_EVENTS = 5000;
/** bytes of envelopes' JSON per attempt: far under a protocol message's 1 GB, and one activation's params are ≤ 1 MB anyway */
export const MAX_BATCH_BYTES = 16 * 2 ** 20;
export const DEFAULT_POOL_SIZE = 4;
const SSL_MODES = ['disable', 'require', 'no-verify', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSL_MODES)[number];
/** the connection parameters honoured in the URL's query */
const URL_PARAMS = ['sslmode', 'application_name'];
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const KEYS = ['kind', 'url', 'table', 'ca', 'batch'];

interface Connection {
  /** as WHATWG's URL normalizes it (IPv6 in brackets): what the SSRF rules read */
  hostname: string;
  /** what the driver connects to */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** absent: not said in the URL (plain text, accepted only locally) */
  sslmode?: SslMode;
  applicationName?: string;
}

const decoded = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** The connection a URL names, or why not; never echoes the password. */
function parseUrl(url: string): { ok: true; value: Connection } | { ok: false; error: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, error: 'url is not a URL (postgres://user:password@host:5432/database?sslmode=require)' };
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return { ok: false, error: `url must be postgres:// or postgresql://, not ${u.protocol}` };
  // postgres: is not a WHATWG special scheme, so its host is left as written; read as an http host it is normalized as
  // the resolver would take it (127.1, 2130706433 and 0x7f000001 are 127.0.0.1), so the host checked is the host connected to
  let hostname: string;
  try {
    hostname = u.hostname ? new URL(`http://${u.hostname}`).hostname : '';
  } catch {
    return { ok: false, error: 'url host is not a host name' };
  }
  if (!hostname) return { ok: false, error: 'url names no host (a unix socket is not supported)' };
  for (const k of u.searchParams.keys()) if (!URL_PARAMS.includes(k)) return { ok: false, error: `url parameter ${JSON.stringify(k)} is not supported (supported: ${URL_PARAMS.join(', ')})` };
  const mode = u.searchParams.get('sslmode');
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) return { ok: false, error: `sslmode ${JSON.stringify(mode)} is not supported (one of ${SSL_MODES.join(', ')})` };
  if (!u.username) return { ok: false, error: 'url names no user' };
  const [user, password, database] = [u.username, u.password, u.pathname.slice(1)].map(decoded);
  if (user === undefined || password === undefined) return { ok: false, error: 'url user or password is not percent-encoded UTF-8 (encodeURIComponent)' };
  if (!database || database.includes('/')) return { ok: false, error: 'url names no database (postgres://…/database)' };
  const port = u.port ? Number(u.port) : 5432;
  return {
    ok: true,
    value: {
      hostname,
      host: hostname.replace(/^\[|\]$/g, ''),
      port,
      user,
      password,
      database,
      ...(mode !== null ? { sslmode: mode as SslMode } : {}),
      ...(u.searchParams.get('application_name') ? { applicationName: u.searchParams.get('application_name') as string } : {}),
    },
  };
}

export function parsePostgresConfig(raw: unknown, o: { local: boolean }): Parsed<PostgresConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: ['a postgres destination is an object {"kind":"postgres","url":…,"table":…}'] };
  const r = raw as Record<string, unknown>;
  const errors: string[] = [];
  for (const k of Object.keys(r)) if (!KEYS.includes(k)) errors.push(`unknown field ${JSON.stringify(k)} (fields: ${KEYS.join(', ')})`);
  if (r.kind !== 'postgres') errors.push('kind must be "postgres"');
  if (typeof r.url !== 'string') errors.push('url must be a string postgres://user:password@host:5432/database?sslmode=require');
  else {
    const c = parseUrl(r.url);
    if (!c.ok) errors.push(c.error);
    else {
      const loopback = isLoopbackHostname(c.value.hostname);
      const plain = c.value.sslmode === 'disable';
      if (!(o.local && loopback)) {
        if (c.value.sslmode === undefined) errors.push('url must say sslmode (require, verify-ca or verify-full): deployed, the connection is encrypted');
        else if (plain) errors.push('sslmode=disable is accepted only for a loopback host in the local runtime');
        if (loopback || isInternalHost(c.value.hostname)) errors.push(`host ${c.value.host} is not a public host (loopback, private, link-local and local-only hosts are refused deployed)`);
      }
    }
  }
  if (typeof r.table !== 'string' || !r.table.split('.').every((p) => IDENTIFIER.test(p)) || r.table.split('.').length > 2)
    errors.push('table must be a name, optionally schema-qualified (schema.table), each part lowercase letters, digits and _ (at most 63, not starting with a digit)');
  if (r.ca !== undefined && (typeof r.ca !== 'string' || !r.ca.includes('-----BEGIN CERTIFICATE-----'))) errors.push('ca must be PEM text (-----BEGIN CERTIFICATE-----…)');
  if (r.batch !== undefined) {
    const b = r.batch as Record<string, unknown>;
    const events = typeof b === 'object' && b !== null && !Array.isArray(b) ? b.events : NaN;
    const extra = typeof b === 'object' && b !== null ? Object.keys(b).filter((k) => k !== 'events') : [];
    if (extra.length || (events !== undefined && (typeof events !== 'number' || !Number.isInteger(events) || events < 1 || events > MAX_BATCH_EVENTS)))
      errors.push(`batch must be {"events": an integer 1–${MAX_BATCH_EVENTS}}`);
  }
  if (errors.length) return { ok: false, errors };
  const value: PostgresConfig = { kind: 'postgres', url: r.url as string, table: r.table as string };
  if (r.ca !== undefined) value.ca = r.ca as string;
  if (r.batch !== undefined) value.batch = { ...(r.batch as { events?: number }) };
  return { ok: true, value };
}

/** node-postgres' TLS options for a libpq sslmode. */
function sslOf(mode: SslMode | undefined, ca: string | undefined): ClientConfig['ssl'] {
  const skipHostName = { checkServerIdentity: (): undefined => undefined };
  switch (mode) {
    case undefined:
    case 'disable':
      return false;
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'require':
      return ca ? { ca, ...skipHostName } : { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...(ca ? { ca } : {}), ...skipHostName };
    case 'verify-full':
      return ca ? { ca } : {};
  }
}

const quoteIdent = (table: string): string =>
  table
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');

/** hex SHA-256 of eventIdentity: the table's key part for an event */
export const rowIdentity = (e: Parameters<typeof eventIdentity>[0]): string => createHash('sha256').update(eventIdentity(e)).digest('hex');

/** a year 1–9999 instant as ISO, else null (timestamptz reads these; JSON dates past them are not worth a rejected batch) */
function instant(text: string | undefined): string | null {
  if (!text) return null;
  const d = new Date(text);
  const y = d.getUTCFullYear();
  return Number.isFinite(d.getTime()) && y >= 1 && y <= 9999 ? d.toISOString() : null;
}

/** `\u0000` or a lone surrogate (JSON.stringify writes both as escapes; a pair is written raw) — or a false alarm on an escaped backslash */
const SUSPECT = /\\u0000|\\ud[89a-f]/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (s: string): string => s.replace(/\0/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
function cleanDeep(v: unknown): unknown {
  if (typeof v === 'string') return clean(v);
  if (Array.isArray(v)) return v.map(cleanDeep);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [clean(k), cleanDeep(x)]));
  return v;
}

/** The batch as one JSON array of rows sorted by key; how many rows had characters PostgreSQL cannot store. */
export function encodeRows(batch: DestinationBatch): { json: string; rows: number; bytes: number; replaced: number } {
  let replaced = 0;
  let bytes = 0;
  const rows = batch.events.map((e) => {
    const row = [rowIdentity(e), e.stream, e.type, e.munchkinId ?? null, e.leadId ?? null, instant(e.time), instant(e.receivedAt), e];
    let text = JSON.stringify(row);
    if (SUSPECT.test(text)) {
      const cleaned = JSON.stringify(cleanDeep(row));
      if (cleaned !== text) replaced++;
      text = cleaned;
    }
    bytes += text.length;
    return { key: row[0] as string, text };
  });
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { json: `[${rows.map((r) => r.text).join(',')}]`, rows: rows.length, bytes, replaced };
}

/** SQLSTATE classes and codes another attempt may get past: connection, resources, shutdown, lock/serialization, a standby. */
const RETRY_CLASSES = ['08', '53', '57', '58', '40', 'XX'];
const RETRY_CODES = ['55P03', '55006', '25006'];

/** One attempt's answer for an error, its text scrubbed of the password. */
export function attemptOfError(err: unknown, password: string): Attempt {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  // node-postgres never puts the password in an error; should one ever, it is masked (a password under 4 characters would mask half the words)
  const scrub = (s: string): string => excerptOf(password.length >= 4 ? s.split(password).join('***') : s, 300);
  const message = scrub(typeof e?.message === 'string' ? e.message : String(err));
  const reason = `postgres${code ? ` ${code}` : ''}: ${message}`;
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return RETRY_CLASSES.includes(code.slice(0, 2)) || RETRY_CODES.includes(code) ? { outcome: 'retry', reason } : { outcome: 'reject', reason };
  }
  // TLS refused (self-signed, unknown CA, host name mismatch, server without SSL): a setting no retry fixes;
  // anything else without a SQLSTATE (refused, reset, DNS, a timeout, a connection ended) may pass next time
  return /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ALTNAME/.test(code) || /does not support SSL/i.test(message) ? { outcome: 'reject', reason } : { outcome: 'retry', reason };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- pg is loaded by the first attempt, not with the bundle
const loadPg = (): typeof import('pg') => require('pg') as typeof import('pg');

interface PoolEntry {
  pool: Pool;
  /** the tables this container has made sure of */
  tables: Map<string, Promise<void>>;
}
/** One pool per destination and connection per container (a warm container keeps it across activations). */
const pools = new Map<string, PoolEntry>();

function poolFor(key: string, c: Connection, ca: string | undefined, size: number): PoolEntry {
  let entry = pools.get(key);
  if (!entry) {
    const { Pool: PgPool } = loadPg();
    const pool = new PgPool({
      host: c.host,
      port: c.port,
      user: c.user,
      password: c.password,
      database: c.database,
      ssl: sslOf(c.sslmode, ca),
      ...(c.applicationName ? { application_name: c.applicationName } : {}),
      max: size,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
    });
    // an idle client whose server went away (restart, failover) errors here: the pool drops it; nothing to throw
    pool.on('error', () => undefined);
    entry = { pool, tables: new Map() };
    pools.set(key, entry);
  }
  return entry;
}

/** a query the client itself gives up on after `ms` (pg's per-query read timeout; @types/pg types it on the client's config only) */
const timed = (text: string, ms: number, values?: unknown[]): QueryConfig => {
  const q: QueryConfig & { query_timeout: number } = { text, query_timeout: ms, ...(values ? { values } : {}) };
  return q;
};

/** margin left between the server's statement_timeout and the attempt's deadline for the answer to come back */
const ANSWER_MARGIN_MS = 100;

export function createPostgresDestination(name: string, config: PostgresConfig, deps: PostgresDeps = {}): Destination {
  const parsed = parseUrl(config.url);
  if (!parsed.ok) throw new Error(`postgres destination ${name}: ${parsed.error}`);
  const c = parsed.value;
  const size = deps.poolSize ?? DEFAULT_POOL_SIZE;
  const key = JSON.stringify([name, config.url, config.ca ?? '', size]);
  const table = quoteIdent(config.table);
  const create = `CREATE TABLE IF NOT EXISTS ${table} (identity text NOT NULL, route text NOT NULL, stream text NOT NULL, type text NOT NULL, munchkin_id text, lead_id text, event_time timestamptz, received_at timestamptz, envelope jsonb NOT NULL, inserted_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (identity, route))`;
  const insert = `INSERT INTO ${table} (identity, route, stream, type, munchkin_id, lead_id, event_time, received_at, envelope) SELECT r->>0, $2, r->>1, r->>2, r->>3, r->>4, (r->>5)::timestamptz, (r->>6)::timestamptz, r->7 FROM jsonb_array_elements($1::jsonb) AS r ON CONFLICT DO NOTHING`;

  const left = (o: AttemptOptions): number => o.deadline - o.now();
  /** a query ended by the server at statement_timeout and, should the server stop answering, by the client at the deadline */
  async function query(client: PoolClient, o: AttemptOptions, text: string, values?: unknown[]): Promise<number> {
    const ms = left(o);
    if (ms <= ANSWER_MARGIN_MS) throw Object.assign(new Error('the attempt has no time left'), { name: 'TimeoutError' });
    await client.query(timed(`SET statement_timeout = ${Math.floor(ms - ANSWER_MARGIN_MS)}`, ms));
    return (await client.query(timed(text, Math.max(1, left(o)), values))).rowCount ?? 0;
  }

  /**
   * The table made sure of once per container: looked up first, since CREATE TABLE IF NOT EXISTS asks for CREATE on
   * the schema even when the table is there (a role granted only INSERT on a table made for it would be refused);
   * created when missing, a racing container's CREATE not being an error
   */
  function ensureTable(entry: PoolEntry, client: PoolClient, o: AttemptOptions): Promise<void> {
    const there = async (): Promise<boolean> => (await client.query<{ there: boolean }>(timed('SELECT to_regclass($1) IS NOT NULL AS there', Math.max(1, left(o)), [table]))).rows[0]?.there === true;
    let made = entry.tables.get(config.table);
    if (!made) {
      made = (async () => {
        if (await there()) return;
        try {
          await query(client, o, create);
        } catch (err) {
          // two sessions creating one table: once the winner commits, the loser's insert into pg_type (or pg_class)
          // violates its unique index (23505), or it finds the row type (42710) or the relation (42P07) there; the
          // table is there in every case (23505 and 42710 seen racing six sessions on PostgreSQL 15)
          const code = (err as { code?: unknown }).code;
          if (!(code === '23505' || code === '42710' || code === '42P07') || !(await there())) throw err;
        }
      })();
      entry.tables.set(config.table, made);
      made.catch(() => entry.tables.delete(config.table));
    }
    return made;
  }

  async function connect(entry: PoolEntry, o: AttemptOptions): Promise<PoolClient> {
    const connecting = entry.pool.connect();
    try {
      return await withTimeout(connecting, Math.max(1, left(o)), 'no connection before the attempt deadline');
    } catch (err) {
      // a connection that comes after the deadline goes back to nobody: end it
      connecting.then((late) => late.release(true), () => undefined);
      throw err;
    }
  }

  return {
    kind: 'postgres',
    name,
    maxBatchEvents: config.batch?.events ?? DEFAULT_BATCH_EVENTS,
    maxBatchBytes: MAX_BATCH_BYTES,
    async send(batch: DestinationBatch, o: AttemptOptions): Promise<Attempt> {
      if (batch.events.length === 0) return { outcome: 'delivered', detail: '0 events' };
      const rows = encodeRows(batch);
      const entry = poolFor(key, c, config.ca, size);
      let client: PoolClient | undefined;
      try {
        client = await connect(entry, o);
        await ensureTable(entry, client, o);
        let added: number;
        try {
          added = await query(client, o, insert, [rows.json, batch.route]);
        } catch (err) {
          // the table was there when this container made sure of it and is gone now (dropped, restored without it):
          // made again, as a missing table is, and the batch inserted once more within this attempt
          if ((err as { code?: unknown }).code !== '42P01') throw err;
          entry.tables.delete(config.table);
          await ensureTable(entry, client, o);
          added = await query(client, o, insert, [rows.json, batch.route]);
        }
        client.release();
        const replaced = rows.replaced ? `; ${rows.replaced} with U+0000 or lone surrogates written as U+FFFD` : '';
        return { outcome: 'delivered', detail: `${added} rows added, ${rows.rows - added} already in ${config.table}${replaced}` };
      } catch (err) {
        // a failed client may be dead or mid-statement: never hand it to the next attempt
        client?.release(true);
        return attemptOfError(err, c.password);
      }
    },
    async close(): Promise<void> {
      const entry = pools.get(key);
      pools.delete(key);
      await entry?.pool.end();
    },
  };
}

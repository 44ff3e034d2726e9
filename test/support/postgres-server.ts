/**
 * A real PostgreSQL server (Debian's `postgresql` package) in a temporary directory on a
 * free loopback port, for the postgres destination's tests and bench (skipped when not
 * installed). Postgres refuses to run as root: when the tests run as root, initdb and the
 * server run as the package's `postgres` user (spawn's uid/gid), and the data directory
 * is handed to it. Password authentication (scram-sha-256) on TCP, as a managed service
 * asks; the unix socket lives in the temporary directory, never in /var/run. fsync is off (the
 * machine does not crash in a test), synchronous_commit stays on: a commit is written before
 * it is answered, so an immediate shutdown (`kill`) loses no committed row.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/net';
import { accepts, endProcess } from './server-process';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'postgres')) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], 'bin');
}

/** The uid/gid to run the server as: the `postgres` user when we are root, else ourselves. */
function runAs(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error('running as root and there is no postgres user to run the server as');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export const hasPostgresServer = (): boolean => postgresBin() !== undefined;
/** Said once by a suite that skips itself. */
export const POSTGRES_MISSING = 'PostgreSQL is not installed (/usr/lib/postgresql/<ver>/bin: initdb, postgres; Debian package `postgresql`, .ci/install-postgres.sh): the postgres destination tests are skipped';

export interface PostgresServer {
  host: string;
  port: number;
  /** the superuser's name and password */
  user: string;
  password: string;
  /** postgres://user:password@127.0.0.1:port/postgres */
  url: string;
  /** the running postmaster's pid (a new one after `restart`) */
  pid: number;
  /** fast shutdown (SIGINT): clients are told 57P01 and disconnected; waits for the exit */
  stop: () => Promise<void>;
  /** immediate shutdown (SIGQUIT), as a crash: no checkpoint, clients cut; waits for the exit */
  kill: () => Promise<void>;
  /** the server again on the same port and data; resolves once it accepts connections */
  restart: () => Promise<void>;
  /** stops the server and removes its directory */
  dispose: () => Promise<void>;
}

export interface PostgresOptions {
  /** extra `-c name=value` settings (e.g. ssl=on, ssl_cert_file=…) */
  settings?: Record<string, string>;
  /** files written into the data directory before the server starts (e.g. server.crt, server.key), mode 0600 */
  files?: Record<string, string>;
}

export async function startPostgres(o: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const ids = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'pg-dest-'));
  const data = join(dir, 'data');
  const password = 'pw-' + Math.random().toString(36).slice(2) + '-secret';
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password + '\n');
  if (ids.uid !== undefined) {
    chownSync(dir, ids.uid, ids.gid as number);
    chownSync(pwfile, ids.uid, ids.gid as number);
  }
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    ...ids,
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  for (const [name, content] of Object.entries(o.files ?? {})) {
    const f = join(data, name);
    writeFileSync(f, content);
    chmodSync(f, 0o600);
    if (ids.uid !== undefined) chownSync(f, ids.uid, ids.gid as number);
  }
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, fsync: 'off', max_connections: '100', ...o.settings };
  const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  let proc: ChildProcess;
  const spawnServer = async (): Promise<void> => {
    proc = spawn(join(bin, 'postgres'), args, { ...ids, stdio: 'ignore' });
    let up = false;
    // the port accepts before the server does (57P03 "starting up"): pg_isready says when it takes sessions
    const ready = async (): Promise<boolean> => (await accepts(port)) && spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).status === 0;
    for (let i = 0; i < 400 && !(up = await ready()); i++) await new Promise((r) => setTimeout(r, 25));
    if (!up) throw new Error(`postgres did not accept connections on ${port}`);
    server.pid = proc.pid as number;
  };
  const end = (signal: NodeJS.Signals) => (): Promise<void> => endProcess(proc, signal);
  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    pid: 0,
    stop: end('SIGINT'),
    kill: end('SIGQUIT'),
    restart: spawnServer,
    dispose: async () => {
      await end('SIGINT')();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await spawnServer();
  return server;
}

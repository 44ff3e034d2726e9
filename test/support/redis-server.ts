/** A real redis-server on a free loopback port, for the Redis store tests (skipped when not installed). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '../../dev/net';
import { accepts, endProcess } from './server-process';

export const hasRedisServer = (): boolean => spawnSync('redis-server', ['--version']).status === 0;

export interface RedisServer {
  url: string;
  /** the running server's pid (a new one after `restart`) */
  pid: number;
  /** SIGTERM, and waits for the exit */
  stop: () => Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would: no QUIT, no goodbye to the clients; waits for the exit */
  kill: () => Promise<void>;
  /** a new redis-server on the same port; resolves once it accepts connections */
  restart: () => Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let proc: ChildProcess;
  const spawnServer = async (): Promise<void> => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !(await accepts(port)); i++) await new Promise((r) => setTimeout(r, 25));
    server.pid = proc.pid as number;
  };
  const end = (signal: NodeJS.Signals) => (): Promise<void> => endProcess(proc, signal);
  const server: RedisServer = { url: `redis://127.0.0.1:${port}`, pid: 0, stop: end('SIGTERM'), kill: end('SIGKILL'), restart: spawnServer };
  await spawnServer();
  return server;
}

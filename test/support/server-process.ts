/** What the real-server harnesses (redis-server.ts, postgres-server.ts) share: readiness and ending of a child server. */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
export const accepts = (port: number): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => (sock.end(), resolve(true)));
    sock.on('error', () => resolve(false));
  });

/** Sends `signal` to the child (unless it has exited) and resolves once it has. */
export const endProcess = (proc: ChildProcess, signal: NodeJS.Signals): Promise<void> =>
  new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : (proc.once('exit', () => resolve()), proc.kill(signal))));

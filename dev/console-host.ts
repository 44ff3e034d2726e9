/**
 * What the local runtime stands in for on the operator console's behalf
 * (dev/server.ts routes to it): the Experience Cloud shell's IMS session, and
 * the host of the console's built files.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** Where the console asks for its session when it is not inside the shell (web-src/src/index.tsx). */
export const CONSOLE_SESSION_PATH = '/_local/console-session';

/**
 * The local stand-in for the shell's IMS session: a token in an IMS access
 * token's shape (its claims name the local operator; its signature is random)
 * and the org the browser sends as x-gw-ims-org-id. `created_at` and `expires_in`
 * (milliseconds, as text) are the claims @adobe/aio-lib-ims 7.0.2 reads from an
 * IMS access token (src/ims.js `_calculateExpiry`); `user_id` is the claim
 * src/console/caller.ts names the user by (no source here pins it; it falls
 * back to `sub`). Actions annotated
 * `require-adobe-auth: true` accept this token only, as Adobe's gateway accepts
 * only valid IMS tokens for them.
 */
export interface ConsoleSession {
  token: string;
  org: string;
  user: string;
}

export function localSession(org: string): ConsoleSession {
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const user = 'local-operator@local.dev';
  const now = Math.floor(Date.now() / 1000);
  const token = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ type: 'access_token', user_id: user, client_id: 'marketo-stream-relay-local', created_at: String(now * 1000), expires_in: String(24 * 3600 * 1000) })}.${randomBytes(32).toString('base64url')}`;
  return { token, org, user };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.woff2': 'font/woff2', '.map': 'application/json' };

/** The built file a URL path names (`/` is index.html), with its type; nothing outside `webDir`. */
export async function consoleFile(webDir: string, path: string): Promise<{ type: string; content: Buffer } | undefined> {
  const file = resolve(webDir, path === '/' ? 'index.html' : decodeURIComponent(path.slice(1)));
  if (!file.startsWith(resolve(webDir) + sep)) return undefined;
  const content = await readFile(file).catch(() => undefined);
  return content && { type: TYPES[extname(file)] ?? 'application/octet-stream', content };
}

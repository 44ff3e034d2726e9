/**
 * Static push tokens: where Marketo puts them, and a constant-time match
 * against every configured token (several at once, for rotation).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenPlace = 'bearer' | 'token' | 'bare' | 'query';

const SCHEME = /^(bearer|token)\s+(\S+)$/i;
const BARE = /^\S+$/;

/** The credential of a push: Authorization (Bearer, Token or bare), else ?access_token= / ?token=. */
export function extractPushToken(headers: Record<string, string>, query: URLSearchParams): { token: string; place: TokenPlace } | undefined {
  const auth = headers.authorization?.trim();
  if (auth) {
    const m = SCHEME.exec(auth);
    if (m) return { token: m[2], place: m[1].toLowerCase() === 'bearer' ? 'bearer' : 'token' };
    if (BARE.test(auth) && !/^(bearer|token|basic)$/i.test(auth)) return { token: auth, place: 'bare' };
    return undefined;
  }
  const q = query.get('access_token') ?? query.get('token');
  return q ? { token: q, place: 'query' } : undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares digests, so neither the tokens nor their lengths leak through timing. */
export function matchesStaticToken(token: string, allowed: readonly string[]): boolean {
  const presented = digest(token);
  let match = false;
  for (const a of allowed) if (timingSafeEqual(presented, digest(a))) match = true;
  return match;
}

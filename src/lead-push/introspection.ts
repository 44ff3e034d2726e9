/**
 * RFC 7662 token introspection for opaque OAuth2 tokens. Positive answers are
 * cached (keyed by the token's hash) no longer than the token's own `exp`, and
 * at most 60 s when the IdP gives none. An active token whose `exp` is a
 * little in the past (within the configured clock skew, as for JWTs) is
 * accepted once but not cached.
 *
 * A token the IdP called inactive or expired is remembered as refused for
 * `negativeTtlSeconds` (a token cannot become active again), and calls for
 * tokens not cached are bounded per container (`maxCallsPerMinute`): a flood
 * of distinct forged tokens costs the IdP at most that many calls; beyond it
 * the answer is `unavailable` (503, Marketo retries), never a refusal.
 */
import { createHash } from 'node:crypto';
import { boundedFetch } from '../http/bounded-fetch';
import { createCallBudget } from '../http/budget';
import { invalid, unavailable, type TokenVerdict } from './verdict';

export interface IntrospectionOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** an `exp` this far in the past still counts (clocks differ; the IdP said active) */
  clockSkewSeconds?: number;
  maxCacheEntries?: number;
  /** how long an inactive or expired token stays refused without asking (default 30 s) */
  negativeTtlSeconds?: number;
  /** introspection calls per minute and container for tokens not cached (default 60) */
  maxCallsPerMinute?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const NO_EXP_CACHE_MS = 60_000;
/** an RFC 7662 answer is a few hundred bytes; more is not read */
const MAX_ANSWER_BYTES = 64 * 1024;

export function createIntrospector(o: IntrospectionOptions): (token: string) => Promise<TokenVerdict> {
  const now = o.now ?? Date.now;
  const doFetch = boundedFetch(o.fetch ?? fetch, MAX_ANSWER_BYTES);
  const cache = new Map<string, { verdict: TokenVerdict; until: number }>();
  const max = o.maxCacheEntries ?? 1000;
  const negativeMs = (o.negativeTtlSeconds ?? 30) * 1000;
  const budget = createCallBudget(o.maxCallsPerMinute ?? 60, now);
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64')}`;

  async function ask(token: string): Promise<{ verdict: TokenVerdict; until?: number }> {
    let res: Response;
    try {
      res = await doFetch(o.url, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(o.timeoutMs),
        redirect: 'error',
      });
    } catch {
      return { verdict: unavailable('the introspection endpoint could not be reached') };
    }
    if (!res.ok) return { verdict: unavailable(`the introspection endpoint answered HTTP ${res.status}`) };
    const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body.active !== 'boolean') return { verdict: unavailable('the introspection answer is not RFC 7662 JSON') };
    if (!body.active) return { verdict: invalid('token_inactive', 'the token is not active') };
    const exp = typeof body.exp === 'number' ? body.exp * 1000 : undefined;
    if (exp !== undefined && exp + (o.clockSkewSeconds ?? 0) * 1000 <= now()) return { verdict: invalid('token_expired', 'the token has expired') };
    const verdict: TokenVerdict = { ok: true, subject: body.sub as string | undefined, clientId: body.client_id as string | undefined, expiresAt: exp ? exp / 1000 : undefined };
    return { verdict, until: Math.min(exp ?? Infinity, now() + NO_EXP_CACHE_MS) };
  }

  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64');
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.verdict;
    cache.delete(key);
    if (!budget.take()) return unavailable('too many introspection calls for unknown tokens in this container; retry later');
    const { verdict, until } = await ask(token);
    const remember = verdict.ok ? until : verdict.reason === 'invalid' ? now() + negativeMs : undefined;
    if (remember !== undefined) {
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(key, { verdict, until: remember });
    }
    return verdict;
  };
}

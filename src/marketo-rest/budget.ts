/**
 * The REST calls the catalog may make, shared by every container through the
 * store. Marketo's documented limits (AdobeDocs/marketo-developer.en
 * help/rest-api/rest-api.md and error-codes.md, commit aeb0d5a176ffdd0910ee533353593bba95f91d08): 100 calls per
 * 20 seconds per instance (606 beyond), a daily quota per subscription, 50,000
 * by default, that "resets daily at 12:00AM CST" (607 beyond). The catalog is
 * one small user of them among the customer's own integrations, so it keeps
 * far inside: at most CALLS_PER_WINDOW calls in any 20-second window and
 * `dailyCalls` a Marketo day (MARKETO_CATALOG_DAILY_CALLS), Identity calls
 * included. A 606 blocks the instance's calls for the window, a 607 until the
 * quota resets.
 *
 * aio-lib-state has no atomic increment: two containers counting at the same
 * instant may both take the last call. The counts are a bound the catalog
 * keeps within one or two calls, never a guarantee.
 */
import { REST_USAGE_PREFIX } from '../stores/key-families';
import type { KeyValueStore } from '../stores/kv';

export const WINDOW_MS = 20_000;
/** a tenth of the instance's 100 calls per 20 s */
export const CALLS_PER_WINDOW = 10;
/** Marketo's day starts at midnight US Central Standard Time (UTC−6), as the error-code page says */
const CST_OFFSET_MS = 6 * 3_600_000;
export const USAGE_PREFIX = REST_USAGE_PREFIX;

/** `yyyymmdd` of the Marketo day `ms` falls in. */
export const marketoDay = (ms: number): string => new Date(ms - CST_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
/** The epoch ms at which the Marketo day after `ms` starts (the quota resets). */
export const nextMarketoDay = (ms: number): number => (Math.floor((ms - CST_OFFSET_MS) / 86_400_000) + 1) * 86_400_000 + CST_OFFSET_MS;

export interface Usage {
  munchkinId: string;
  day: string;
  /** calls made (Identity and REST) */
  calls: number;
  /** the catalog's own daily bound */
  budget: number;
  /** Marketo answered 606 / 607 this many times */
  rateLimited: number;
  quotaReached: number;
  /** calls not made because a bound (ours or Marketo's) said no */
  refused: number;
  lastError?: { at: string; code: string };
}

export type Refusal = 'daily_budget' | 'rate_budget' | 'rate_limited' | 'quota_reached';

export interface RestBudget {
  /** undefined: the call may be made (and is counted); else why not */
  take(): Promise<Refusal | undefined>;
  /** what Marketo answered a call that failed (606, 607, or another code) */
  failed(code: string): Promise<void>;
}

const usageKey = (m: string, day: string) => `${USAGE_PREFIX}${m}-${day}`;

function parse<T>(v: string | undefined): T | undefined {
  try {
    return v === undefined ? undefined : (JSON.parse(v) as T);
  } catch {
    return undefined;
  }
}

export function readUsage(value: string | undefined): Usage | undefined {
  const u = parse<Usage>(value);
  return u && typeof u.calls === 'number' ? u : undefined;
}

export function storeBudget(kv: KeyValueStore, munchkinId: string, o: { dailyCalls: number; now: () => number }): RestBudget {
  const blockKey = `mrest-block-${munchkinId}`;
  const usageOf = async (day: string): Promise<Usage> =>
    readUsage(await kv.get(usageKey(munchkinId, day))) ?? { munchkinId, day, calls: 0, budget: o.dailyCalls, rateLimited: 0, quotaReached: 0, refused: 0 };
  const save = (u: Usage) => kv.put(usageKey(munchkinId, u.day), JSON.stringify({ ...u, budget: o.dailyCalls }), 48 * 3600);
  return {
    async take() {
      const now = o.now();
      const day = marketoDay(now);
      const windowKey = `mrest-rate-${munchkinId}-${Math.floor(now / WINDOW_MS)}`;
      const [block, usage, inWindow] = await Promise.all([kv.get(blockKey), usageOf(day), kv.get(windowKey)]);
      const blocked = parse<{ until: number; reason: Refusal }>(block);
      const refusal: Refusal | undefined =
        blocked && blocked.until > now ? blocked.reason : usage.calls >= o.dailyCalls ? 'daily_budget' : Number(inWindow ?? 0) >= CALLS_PER_WINDOW ? 'rate_budget' : undefined;
      if (refusal) {
        await save({ ...usage, refused: usage.refused + 1 });
        return refusal;
      }
      await Promise.all([save({ ...usage, calls: usage.calls + 1 }), kv.put(windowKey, String(Number(inWindow ?? 0) + 1), (2 * WINDOW_MS) / 1000)]);
      return undefined;
    },
    async failed(code) {
      const now = o.now();
      const usage = await usageOf(marketoDay(now));
      const next = { ...usage, lastError: { at: new Date(now).toISOString(), code } };
      if (code === '606') next.rateLimited++;
      if (code === '607') next.quotaReached++;
      const until = code === '606' ? now + WINDOW_MS : code === '607' ? nextMarketoDay(now) : undefined;
      await Promise.all([save(next), until ? kv.put(blockKey, JSON.stringify({ until, reason: code === '606' ? 'rate_limited' : 'quota_reached' }), Math.max(1, Math.ceil((until - now) / 1000))) : undefined]);
    },
  };
}

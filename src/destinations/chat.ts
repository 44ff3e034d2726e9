/**
 * What the chat destinations (Slack, Teams) share: the message model, the
 * templates that turn Marketo events into readable messages, coalescing, the
 * pacing of one webhook's messages, their configuration, and the `Destination`
 * they make. Each kind only renders a `ChatMessage` into its service's JSON
 * (slack.ts: Block Kit; teams.ts: an Adaptive Card) and says its limits. The
 * formats, limits and answers relied on are cited in test/fixtures/chat-formats.md.
 *
 * A message never carries a payload: only chosen fields of each event (a
 * campaign's id and name, the acting user, the instance, the time, a quota's
 * figures, a queue's lag and backlog; for any other type its stream, type, id,
 * instance and time), each flattened to one line and at most `VALUE_MAX`
 * characters. What the kinds render as text is escaped for their markup there.
 *
 * One POST per batch, whatever its size: up to `coalesceOver` events, one
 * section per event; more, one summary (counts by type and by campaign, the
 * first few events, "…and 195 more") — a storm of 200 campaign failures is one
 * message, not 200 and a 429 loop. A message that would still be over the
 * service's size bound is summarised with fewer events listed, down to the
 * counts alone, which fit by construction.
 */
import type { Envelope } from '../envelope/envelope';
import { isObject, text, type Json } from '../envelope/fields';
import type { Attempt, AttemptOptions, Destination, DestinationBatch } from './destination';
import { checkEndpointUrl, guardedLookup } from './endpoint-url';
import { postJson, type Exchange } from './post-json';

/** Longest value shown (characters), and longest label. */
export const VALUE_MAX = 200;
export const LABEL_MAX = 100;
/** Most facts in one section (Slack: a section's `fields` hold at most 10). */
export const FACTS_MAX = 10;
/** Events listed by name in a summary. */
export const LISTED_MAX = 5;

export interface Fact {
  label: string;
  value: string;
}
export interface Section {
  /** built from constants and numbers only: never from an event ('' for the one section of a one-event message) */
  title: string;
  facts: Fact[];
}
export interface ChatMessage {
  /** built from constants and numbers only: never from an event */
  title: string;
  sections: Section[];
  /** a line under the sections: the route, the batch's instances… (values from events and config) */
  context: Fact[];
  /** built from constants and numbers only ("…and 195 more") */
  note?: string;
}

// eslint-disable-next-line no-control-regex -- the control characters a value may not carry into a one-line message
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** One line of at most `max` characters (control characters as one space, lone surrogates replaced). */
export function bounded(v: unknown, max = VALUE_MAX): string {
  const s = (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '').replace(CONTROL, ' ').replace(LONE_SURROGATE, '\uFFFD').trim();
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

const fact = (label: string, v: unknown): Fact[] => {
  const value = bounded(v);
  return value === '' ? [] : [{ label: bounded(label, LABEL_MAX), value }];
};
const num = (v: unknown): string | undefined => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US') : text(v));

const NOTIFICATION = 'com.adobe.platform.marketo.notification.';
const OBSERVABILITY_STATUS = 'com.adobe.platform.marketo.observability.status';
type Template = 'campaign_abort' | 'campaign_failure' | 'web_services' | 'status' | 'other';

function templateOf(e: Envelope): Template {
  const t = e.type.toLowerCase();
  if (t === `${NOTIFICATION}campaign_abort`) return 'campaign_abort';
  if (t === `${NOTIFICATION}campaign_failure`) return 'campaign_failure';
  if (t === `${NOTIFICATION}web_services`) return 'web_services';
  if (t === OBSERVABILITY_STATUS) return 'status';
  return 'other';
}

const TITLES: Record<Template, string> = {
  campaign_abort: 'Campaign aborted',
  campaign_failure: 'Campaign failed',
  web_services: 'Web services quota',
  status: 'Observability status',
  other: 'Marketo event',
};

const action = (e: Envelope): Json => (isObject(e.data.eventAction) ? e.data.eventAction : {});
/** the campaign an event names: `eventAction.campaignId` (Notification), with its name when one is sent */
const campaignOf = (e: Envelope): string | undefined => {
  const a = action(e);
  const id = text(a.campaignId);
  const name = typeof a.campaignName === 'string' ? a.campaignName : undefined;
  return id && name ? `${name} (${id})` : (id ?? name);
};

/** "lag 15 s, backlog 1 requests / 100 records" — a queue of an Observability status event */
function queueLine(q: unknown): string | undefined {
  if (!isObject(q)) return undefined;
  const lag = typeof q.lagSeconds === 'number' ? `${num(q.lagSeconds)} s` : text(q.lagSeconds);
  const parts = [lag && `lag ${lag}`, (q.requestBacklog !== undefined || q.recordBacklog !== undefined) && `backlog ${num(q.requestBacklog) ?? '?'} requests / ${num(q.recordBacklog) ?? '?'} records`];
  const line = parts.filter(Boolean).join(', ');
  return line || undefined;
}

const whereAndWhen = (e: Envelope): Fact[] => [...fact('Instance', e.munchkinId), ...fact('Time', e.time)];

/** The facts one event shows, by its type's template. */
export function eventSection(e: Envelope): Section {
  const tpl = templateOf(e);
  const a = action(e);
  const facts: Fact[] = (() => {
    switch (tpl) {
      case 'campaign_abort':
      case 'campaign_failure':
        return [...fact('Campaign', campaignOf(e)), ...fact('User', e.userId), ...whereAndWhen(e), ...fact('Kind', e.subType)];
      case 'web_services': {
        const services = Array.isArray(a.serviceNames) ? a.serviceNames.filter((s) => typeof s === 'string').slice(0, 10).join(', ') : undefined;
        return [...fact('Used', a.percent !== undefined ? `${num(a.percent)}%` : undefined), ...fact('Daily quota', num(a.dailyQuota)), ...fact('Services', services), ...whereAndWhen(e), ...fact('Kind', e.subType)];
      }
      case 'status': {
        const queue = isObject(e.data.queue) ? e.data.queue : {};
        return [...fact('Quota', num(e.data.quota)), ...fact('High-priority queue', queueLine(queue.high)), ...fact('Normal-priority queue', queueLine(queue.normal)), ...whereAndWhen(e)];
      }
      default:
        return [...fact('Stream', e.stream), ...fact('Type', e.type), ...fact('Id', e.id), ...whereAndWhen(e)];
    }
  })();
  return { title: TITLES[tpl], facts: facts.slice(0, FACTS_MAX) };
}

/** An event in one line (a summary's list): its type's title, campaign or type, user, instance, time. */
function eventLine(e: Envelope): Fact {
  const tpl = templateOf(e);
  const what = tpl === 'campaign_abort' || tpl === 'campaign_failure' ? campaignOf(e) && `campaign ${campaignOf(e)}` : tpl === 'other' ? e.type : undefined;
  const parts = [what, e.userId && `user ${e.userId}`, e.munchkinId, e.time].filter((p): p is string => typeof p === 'string' && p !== '');
  return { label: TITLES[tpl], value: bounded(parts.map((p) => bounded(p, 80)).join(' · ')) };
}

/** Counts of `key` over the events, largest first, the rest (and events without one) beyond `max - 1` as "other". */
function counts(events: readonly Envelope[], key: (e: Envelope) => string | undefined, max: number): Fact[] {
  const by = new Map<string, number>();
  for (const e of events) {
    const k = key(e);
    if (k !== undefined) by.set(k, (by.get(k) ?? 0) + 1);
  }
  const sorted = [...by].sort((a, b) => b[1] - a[1]);
  const shown = sorted.length <= max ? sorted : sorted.slice(0, max - 1);
  const rest = sorted.slice(shown.length).reduce((n, [, c]) => n + c, 0);
  return [...shown.map(([k, c]) => ({ label: bounded(k, LABEL_MAX), value: String(c) })), ...(rest > 0 ? [{ label: 'other', value: String(rest) }] : [])];
}

const typeKey = (e: Envelope): string => (templateOf(e) === 'other' ? e.type : TITLES[templateOf(e)]);
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function contextOf(batch: DestinationBatch): Fact[] {
  const instances = counts(batch.events, (e) => e.munchkinId, 3).map((f) => (f.label === 'other' ? 'others' : f.label)).join(', ');
  return [...fact('Route', batch.route), ...fact('Instances', instances)];
}

/** One section per event: a batch of up to `coalesceOver` events. */
export function perEventMessage(batch: DestinationBatch): ChatMessage {
  const n = batch.events.length;
  if (n === 1) {
    const only = eventSection(batch.events[0]);
    return { title: only.title, sections: [{ ...only, title: '' }], context: contextOf(batch) };
  }
  return { title: plural(n, 'Marketo event'), sections: batch.events.map(eventSection), context: contextOf(batch) };
}

/** One summary for the batch: counts by type and by campaign, the first `listed` events. */
export function summaryMessage(batch: DestinationBatch, listed: number): ChatMessage {
  const { events } = batch;
  const byCampaign = counts(events, campaignOf, FACTS_MAX);
  const first = events.slice(0, listed).map(eventLine);
  const sections: Section[] = [
    { title: 'By type', facts: counts(events, typeKey, FACTS_MAX) },
    ...(byCampaign.length > 0 ? [{ title: 'By campaign', facts: byCampaign }] : []),
    ...(first.length > 0 ? [{ title: first.length === events.length ? 'Events' : `First ${first.length}`, facts: first }] : []),
  ];
  const more = events.length - first.length;
  return { title: plural(events.length, 'Marketo event'), sections, context: contextOf(batch), ...(more > 0 ? { note: `…and ${plural(more, 'more', 'more')}` } : {}) };
}

/**
 * The message a batch becomes under `maxBytes` of the kind's JSON: one section per
 * event up to `coalesceOver`, else (or when that is too large) a summary listing
 * fewer and fewer events; the counts alone fit by construction (bounded labels and
 * values, at most 10 of each), and a bare title if a kind's bound were smaller still.
 */
export function messageFor<T>(batch: DestinationBatch, coalesceOver: number, render: (m: ChatMessage) => T, maxBytes: number): T {
  const candidates: (() => ChatMessage)[] = [
    ...(batch.events.length <= coalesceOver ? [() => perEventMessage(batch)] : []),
    () => summaryMessage(batch, LISTED_MAX),
    () => summaryMessage(batch, 2),
    () => summaryMessage(batch, 0),
  ];
  for (const candidate of candidates) {
    const rendered = render(candidate());
    if (Buffer.byteLength(JSON.stringify(rendered)) <= maxBytes) return rendered;
  }
  return render({ title: plural(batch.events.length, 'Marketo event'), sections: [], context: [] });
}

/** The configuration of a chat destination (the same keys for Slack and Teams). */
export interface ChatConfig {
  /** the incoming webhook's URL: a secret (whoever has it can post) */
  url: string;
  /** a batch of more events than this is one summary message (default 5, at most 10) */
  coalesceOver: number;
  /** the least time between two messages to this webhook from one container (default 1000 ms) */
  minIntervalMs: number;
  /** the most events one attempt takes (default 500: a batch is one message) */
  maxBatchEvents: number;
  /** deployed: the host's addresses are checked when connecting (endpoint-url.ts guardedLookup); not in the local runtime */
  guardAddresses?: boolean;
}

export const CHAT_DEFAULTS = { coalesceOver: 5, minIntervalMs: 1000, maxBatchEvents: 500 } as const;
const CHAT_KEYS = ['kind', 'url', 'coalesceOver', 'minIntervalMs', 'maxBatchEvents'];

/** A chat destination's settings, or every reason why not (never quoting the URL). */
export function parseChatConfig(kind: 'slack' | 'teams', raw: unknown, o: { local: boolean }): { ok: true; value: ChatConfig } | { ok: false; errors: string[] } {
  if (!isObject(raw)) return { ok: false, errors: ['expected an object with a url'] };
  const errors: string[] = [];
  if (raw.kind !== undefined && raw.kind !== kind) errors.push(`kind: expected "${kind}"`);
  for (const k of Object.keys(raw)) if (!CHAT_KEYS.includes(k)) errors.push(`${bounded(k, 40)}: not a setting of a ${kind} destination (settings: ${CHAT_KEYS.slice(1).join(', ')})`);
  const url = checkEndpointUrl(raw.url, o);
  if (!url.ok) errors.push(url.error);
  const int = (key: keyof typeof CHAT_DEFAULTS, min: number, max: number): number => {
    const v = raw[key];
    if (v === undefined) return CHAT_DEFAULTS[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    errors.push(`${key}: expected an integer from ${min} to ${max}`);
    return CHAT_DEFAULTS[key];
  };
  const value: ChatConfig = { url: url.ok ? url.value : '', coalesceOver: int('coalesceOver', 1, FACTS_MAX), minIntervalMs: int('minIntervalMs', 0, 60_000), maxBatchEvents: int('maxBatchEvents', 1, 5000), ...(o.local ? {} : { guardAddresses: true }) };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

export interface ChatDeps {
  exchange?: Exchange;
  /** waits before a paced send (default: a timer) */
  sleep?: (ms: number) => Promise<void>;
}

/** How a kind renders a message, and its service's bound on a message's JSON bytes. */
export interface ChatKind {
  kind: 'slack' | 'teams';
  render: (m: ChatMessage) => unknown;
  maxMessageBytes: number;
}

/** the least time a send needs after a wait: a wait that would leave less answers retry instead */
const SEND_MS = 1000;
/**
 * When each webhook may next be sent to, per container (module state, so destinations made
 * per activation share it): the spacing between messages and a 429's Retry-After.
 */
const nextSendAt = new Map<string, number>();
const timer = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait for the webhook's turn (within the deadline) and hold it; or the wait that remains. */
async function turn(url: string, minIntervalMs: number, o: AttemptOptions, sleep: (ms: number) => Promise<void>): Promise<number | undefined> {
  for (;;) {
    const wait = (nextSendAt.get(url) ?? 0) - o.now();
    if (wait <= 0) {
      nextSendAt.set(url, o.now() + minIntervalMs);
      return undefined;
    }
    if (o.now() + wait + SEND_MS > o.deadline) return wait;
    await sleep(wait);
  }
}

/** The destination a chat kind makes: one paced POST per batch. */
export function createChatDestination(name: string, config: ChatConfig, kind: ChatKind, deps: ChatDeps = {}): Destination {
  const sleep = deps.sleep ?? timer;
  return {
    kind: kind.kind,
    name,
    maxBatchEvents: config.maxBatchEvents,
    // the events are summarised, never sent: no bound of their own beyond the invocation's
    maxBatchBytes: 16 * 1024 * 1024,
    async send(batch: DestinationBatch, o: AttemptOptions): Promise<Attempt> {
      if (batch.events.length === 0) return { outcome: 'delivered', detail: 'no events' };
      const message = messageFor(batch, config.coalesceOver, kind.render, kind.maxMessageBytes);
      const wait = await turn(config.url, config.minIntervalMs, o, sleep);
      if (wait !== undefined) return { outcome: 'retry', reason: `paced: this webhook's next message is due in ${wait} ms`, retryAfterMs: wait };
      const attempt = await postJson(config.url, message, { ...o, exchange: deps.exchange, ...(config.guardAddresses ? { lookup: guardedLookup } : {}) });
      if (attempt.outcome === 'retry' && attempt.status === 429) {
        const until = o.now() + (attempt.retryAfterMs ?? config.minIntervalMs);
        nextSendAt.set(config.url, Math.max(until, nextSendAt.get(config.url) ?? 0));
      }
      return attempt;
    },
  };
}

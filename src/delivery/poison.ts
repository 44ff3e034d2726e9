/**
 * Poison: an event no retry can ever hand off — nested so deep that
 * serializing it overflows the stack (JSON.parse accepts 5,000 levels,
 * JSON.stringify does not), or larger alone than an invocation's parameters.
 * Such events are screened out of a batch before anything is claimed, and
 * quarantined (dead-letter) with their reason; the rest of the batch proceeds.
 *
 * Cheap in the common case: when the events came from one request body, its
 * count of opening brackets (or, for a body with many, one pass over its text)
 * bounds the deepest nesting of the whole body, and the
 * payload bound (param-size) proves the sizes; each event is walked or
 * measured only when the body as a whole could hold poison.
 */
import type { Envelope } from '../envelope/envelope';
import { provenToFit, type PayloadBound } from './param-size';

/** Deeper than any Marketo or I/O event (≤ 10 levels), far below where JSON.stringify overflows (≈ 5,000). */
export const MAX_EVENT_DEPTH = 500;
/** bytes of `{"route":…,"events":[…]}` around one event */
const INVOCATION_OVERHEAD = 64;

/** The most JSON bytes one event may take to be handed off alone, under `maxParamBytes` per invocation. */
export const eventBytesLimit = (maxParamBytes: number): number => maxParamBytes - INVOCATION_OVERHEAD;

export interface Poisoned {
  event: Envelope;
  reason: string;
}

/** The deepest nesting of arrays and objects in a JSON text (strings skipped). */
export function maxJsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/**
 * An upper bound of a JSON text's nesting depth, exact only when it must be: no
 * value nests deeper than the text has opening brackets, and counting those is
 * the engine's own string search, where maxJsonDepth runs a character loop that
 * a cold container interprets (≈ 1 ms for a 20-event delivery). Only a text with
 * more than `limit` brackets (a large push) is scanned for its exact depth.
 */
export function jsonDepthBound(text: string, limit: number): number {
  let brackets = 0;
  for (let i = text.indexOf('{'); i !== -1 && brackets <= limit; i = text.indexOf('{', i + 1)) brackets++;
  for (let i = text.indexOf('['); i !== -1 && brackets <= limit; i = text.indexOf('[', i + 1)) brackets++;
  return brackets <= limit ? brackets : maxJsonDepth(text);
}

/** True when a value nests arrays/objects deeper than `limit` (iterative: no stack of its own). */
export function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

/** an upper bound of each body's nesting depth (jsonDepthBound) */
const depthCache = new WeakMap<PayloadBound, number>();

export interface ScreenOptions {
  maxParamBytes: number;
  /** the request body the events came from, when there is one */
  payloads?: PayloadBound;
  maxDepth?: number;
}

/** Splits events into what can be handed off and what never can (with the reason). */
export function screenEvents(events: Envelope[], o: ScreenOptions): { clean: Envelope[]; poisoned: Poisoned[] } {
  const maxDepth = o.maxDepth ?? MAX_EVENT_DEPTH;
  const limit = eventBytesLimit(o.maxParamBytes);
  let checkDepth = true;
  if (o.payloads?.text !== undefined) {
    let d = depthCache.get(o.payloads);
    // the envelope wraps the payload in at most two more levels
    if (d === undefined) depthCache.set(o.payloads, (d = jsonDepthBound(o.payloads.text, maxDepth - 2)));
    checkDepth = d + 2 > maxDepth;
  }
  const checkSize = !(o.payloads && provenToFit(events, o.payloads, limit));
  if (!checkDepth && !checkSize) return { clean: events, poisoned: [] };
  const clean: Envelope[] = [];
  const poisoned: Poisoned[] = [];
  for (const event of events) {
    if (checkDepth && deeperThan(event, maxDepth)) {
      poisoned.push({ event, reason: `event_too_deep: nested deeper than ${maxDepth} levels; it cannot be serialized for an invocation` });
      continue;
    }
    if (checkSize) {
      let bytes: number;
      try {
        bytes = Buffer.byteLength(JSON.stringify(event));
      } catch (err) {
        poisoned.push({ event, reason: `event_unserializable: ${(err as Error).name}` });
        continue;
      }
      if (bytes > limit) {
        poisoned.push({ event, reason: `event_too_large: ${bytes} bytes alone exceed the invocation parameter limit (${o.maxParamBytes})` });
        continue;
      }
    }
    clean.push(event);
  }
  return { clean, poisoned };
}

/** What of a poisoned event can be stored: all of it, or (too deep to serialize) its top-level fields. */
export function storableEvent(p: Poisoned): Envelope | (Omit<Envelope, 'data'> & { data: string }) {
  if (!p.reason.startsWith('event_too_deep') && !p.reason.startsWith('event_unserializable')) return p.event;
  const { data: _data, ...top } = p.event;
  void _data;
  return { ...top, data: `[not stored: ${p.reason}]` };
}

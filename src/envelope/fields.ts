/** Small readers for untrusted JSON: they never throw and never coerce objects. */
import { createHash } from 'node:crypto';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** An integer from a number or a numeric string. */
export const integer = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

/** The string form of a value used for routing: objects are JSON-encoded. */
export const stringForm = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);

/** 32 base64url characters (192 bits) of the SHA-256 of a value's JSON (keys in the order they were sent). */
export const jsonDigest = (v: unknown): string => createHash('sha256').update(JSON.stringify(v) ?? '').digest('base64url').slice(0, 32);

/**
 * Adobe I/O Events digital signatures: `x-adobe-digital-signature-1/2` are
 * base64 RSA-SHA256 over the exact raw body, checked with the keys at
 * `x-adobe-public-key1/2-path`. Either one verifying makes the delivery
 * authentic, as Adobe's guide requires ("if any one of the signature
 * validations is successful, then the event is valid"). 401 only when no slot
 * can verify; 503 while a slot's key cannot be fetched. The legacy HMAC `x-adobe-signature` (end of life 2022) is ignored.
 */
import { verify } from 'node:crypto';
import { rejected, retryLater, type Outcome } from '../outcome';
import { isAllowedKeyPath, type KeyProvider } from './public-keys';

const SLOTS = [
  { signature: 'x-adobe-digital-signature-1', path: 'x-adobe-public-key1-path' },
  { signature: 'x-adobe-digital-signature-2', path: 'x-adobe-public-key2-path' },
] as const;
const BASE64 = /^[A-Za-z0-9+/]{40,2048}={0,2}$/;

export const hasSignatureHeaders = (headers: Record<string, string>): boolean =>
  SLOTS.some((s) => headers[s.signature] !== undefined || headers[s.path] !== undefined);

type SlotResult = 'verified' | 'absent' | 'bad-path' | 'bad-signature' | 'key-missing' | 'key-unavailable';

async function checkSlot(
  rawBody: Buffer,
  headers: Record<string, string>,
  slot: (typeof SLOTS)[number],
  keys: KeyProvider,
): Promise<SlotResult> {
  const signature = headers[slot.signature]?.trim();
  const path = headers[slot.path]?.trim();
  if (!signature || !path) return 'absent';
  if (!isAllowedKeyPath(path)) return 'bad-path';
  if (!BASE64.test(signature)) return 'bad-signature';
  const key = await keys.lookup(path);
  if (!key.ok) return key.reason === 'missing' ? 'key-missing' : 'key-unavailable';
  return verify('sha256', rawBody, key.key, Buffer.from(signature, 'base64')) ? 'verified' : 'bad-signature';
}

/** undefined when authentic; otherwise the Outcome to answer with. */
export async function verifyDigitalSignatures(
  rawBody: Buffer,
  headers: Record<string, string>,
  keys: KeyProvider,
): Promise<Outcome | undefined> {
  // slot 1 first: a real delivery verifies there, and slot 2 costs nothing more
  const first = await checkSlot(rawBody, headers, SLOTS[0], keys);
  if (first === 'verified') return undefined;
  const results = [first, await checkSlot(rawBody, headers, SLOTS[1], keys)];
  if (results.includes('verified')) return undefined;
  if (results.every((r) => r === 'absent')) {
    return rejected(401, 'signature_missing', 'x-adobe-digital-signature-1/2 and x-adobe-public-key1/2-path are required');
  }
  // a slot whose key could not be fetched might still verify: a retry can fix that, a 401 is final
  if (results.includes('key-unavailable')) {
    return retryLater('public_key_unavailable', 'the signing public key could not be fetched; retry later', 30);
  }
  if (results.includes('bad-signature') || results.includes('key-missing')) {
    return rejected(401, 'signature_invalid', 'no digital signature verifies against the raw request body');
  }
  return rejected(401, 'key_path_invalid', 'public key paths must have the form /prod/keys/pub-key-<id>.pem');
}

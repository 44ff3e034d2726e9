/**
 * Asynchronous registration validation: when the challenge fails, Adobe POSTs
 * `{"validationUrl": "https://csm.adobe.io/csm/registrations/validate?id=…&challenge=…"}`
 * and someone must GET that URL within 5 minutes. Only Adobe's own host is ever
 * fetched (no SSRF): anything else is logged and left alone.
 */
import type { Log } from '../log';

const VALIDATION_HOST = 'csm.adobe.io';

/** Fields that make a body an event, never a validation request. */
const EVENT_FIELDS = ['eventid', 'event_id', 'event', 'specversion', 'type', 'data'];

/** The body's validationUrl when the body is an async-validation request: one object, a string validationUrl, no event fields. */
export function validationUrlOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (EVENT_FIELDS.some((f) => f in b)) return undefined;
  return typeof b.validationUrl === 'string' ? b.validationUrl : undefined;
}

export function isAdobeValidationUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && u.hostname === VALIDATION_HOST && u.port === '' && !u.username && !u.password;
  } catch {
    return false;
  }
}

export type ValidationResult = 'confirmed' | 'logged' | 'refused' | 'failed';

/**
 * Logs the URL so an operator can confirm it, and confirms it itself when
 * `autoValidate` is on and the URL is Adobe's.
 */
export async function handleAsyncValidation(
  validationUrl: string,
  autoValidate: boolean,
  log: Log,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5000,
): Promise<ValidationResult> {
  const adobe = isAdobeValidationUrl(validationUrl);
  if (!adobe) {
    log.warn('async validation refused: not an https://csm.adobe.io URL', { validationUrl });
    return 'refused';
  }
  if (!autoValidate) {
    log.warn('async validation requested: GET this URL within 5 minutes to confirm the registration', { validationUrl });
    return 'logged';
  }
  try {
    const res = await fetchImpl(validationUrl, { method: 'GET', redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) {
      log.info('async validation confirmed', { validationUrl, status: res.status });
      return 'confirmed';
    }
    log.warn('async validation GET failed: confirm it by hand within 5 minutes', { validationUrl, status: res.status });
  } catch (err) {
    log.warn('async validation GET failed: confirm it by hand within 5 minutes', { validationUrl, err: (err as Error).name });
  }
  return 'failed';
}

import { answerChallenge } from '../../src/io-events/challenge';
import { handleAsyncValidation, isAdobeValidationUrl, validationUrlOf } from '../../src/io-events/validation';
import { createLog } from '../../src/log';
import { captureLogs } from '../support/logs';

const q = (s: string) => new URLSearchParams(s);

describe('registration challenge', () => {
  it('echoes a token as JSON by default', () => {
    expect(answerChallenge(q('challenge=abc-123_~.X'), undefined)).toEqual({ kind: 'challenge', challenge: 'abc-123_~.X', format: 'json' });
  });
  it('answers text/plain when asked for it', () => {
    expect(answerChallenge(q('challenge=abc'), 'text/plain')).toMatchObject({ format: 'text' });
  });
  it.each([
    ['spaces', 'challenge=a%20b'],
    ['markup', 'challenge=%3Cscript%3E'],
    ['empty', 'challenge='],
    ['too long', `challenge=${'a'.repeat(257)}`],
  ])('rejects a challenge with %s (400)', (_n, query) => {
    expect(answerChallenge(q(query), undefined)).toMatchObject({ kind: 'rejected', status: 400, code: 'challenge_invalid' });
  });
  it('accepts exactly 256 characters', () => {
    expect(answerChallenge(q(`challenge=${'a'.repeat(256)}`), undefined)).toMatchObject({ kind: 'challenge' });
  });
  it('a GET without challenge is 400 challenge_missing', () => {
    expect(answerChallenge(q(''), undefined)).toMatchObject({ status: 400, code: 'challenge_missing' });
  });
});

describe('async validation', () => {
  const adobe = 'https://csm.adobe.io/csm/registrations/validate?id=abc&challenge=xyz';
  it('recognizes only https://csm.adobe.io', () => {
    expect(isAdobeValidationUrl(adobe)).toBe(true);
    for (const bad of ['http://csm.adobe.io/x', 'https://csm.adobe.io.evil.com/x', 'https://evil.com/csm.adobe.io', 'https://user@csm.adobe.io/x', 'https://csm.adobe.io:8443/x', 'https://127.0.0.1/x', 'not a url']) {
      expect(isAdobeValidationUrl(bad)).toBe(false);
    }
  });
  it('extracts validationUrl from a body object only', () => {
    expect(validationUrlOf({ validationUrl: adobe })).toBe(adobe);
    expect(validationUrlOf([{ validationUrl: adobe }])).toBeUndefined();
    expect(validationUrlOf({ validationUrl: 5 })).toBeUndefined();
    // an event that happens to carry the field is an event
    expect(validationUrlOf({ eventid: 'e', event: {}, validationUrl: adobe })).toBeUndefined();
    expect(validationUrlOf({ specversion: '1.0', data: {}, validationUrl: adobe })).toBeUndefined();
  });
  it('logs the URL and does not fetch when auto-validation is off', async () => {
    const fetchMock = jest.fn();
    const logs = captureLogs();
    expect(await handleAsyncValidation(adobe, false, createLog('t', 'off'), fetchMock)).toBe('logged');
    logs.stop();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(logs.text()).toContain(adobe);
  });
  it('confirms an Adobe URL itself when auto-validation is on', async () => {
    const fetchMock = jest.fn(async () => new Response('ok', { status: 200 }));
    expect(await handleAsyncValidation(adobe, true, createLog('t', 'off'), fetchMock as unknown as typeof fetch)).toBe('confirmed');
    expect(fetchMock).toHaveBeenCalledWith(adobe, expect.objectContaining({ method: 'GET', redirect: 'error' }));
  });
  it('never fetches a non-Adobe URL, even with auto-validation on (no SSRF)', async () => {
    const fetchMock = jest.fn();
    expect(await handleAsyncValidation('http://169.254.169.254/latest/meta-data', true, createLog('t', 'off'), fetchMock)).toBe('refused');
    expect(fetchMock).not.toHaveBeenCalled();
  });
  it('reports a failed confirmation', async () => {
    const fetchMock = jest.fn(async () => new Response('no', { status: 500 }));
    expect(await handleAsyncValidation(adobe, true, createLog('t', 'off'), fetchMock as unknown as typeof fetch)).toBe('failed');
  });
});

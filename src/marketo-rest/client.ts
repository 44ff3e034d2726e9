/**
 * Marketo REST, the two calls the activity catalog makes (AdobeDocs/marketo-developer.en,
 * commit aeb0d5a176ffdd0910ee533353593bba95f91d08):
 *  - help/rest-api/authentication.md: `GET <Identity URL>/oauth/token?grant_type=client_credentials&client_id=…&client_secret=…`
 *    answers `{ access_token, token_type, expires_in, scope }`; a token lives 3,600 s; the token goes in
 *    `Authorization: Bearer` (the `access_token` query parameter is withdrawn on 2026-08-31); 601 (invalid)
 *    and 602 (expired) mean "renew it".
 *  - help/rest-api/activities.md: `GET /rest/v1/activities/types.json` answers `{ requestId, success, result: [
 *    { id, name, description, primaryAttribute: { name, dataType }, attributes: [{ name, dataType }] } ] }`.
 *  - help/rest-api/error-codes.md: failures come as HTTP 200 with `success: false` and `errors: [{ code, message }]`;
 *    606 = more than 100 calls in 20 s, 607 = the daily quota reached; the Identity endpoint may answer 401.
 * Over node:http(s) (src/http/get-text.ts), every call bounded by `timeoutMs` (connecting to the answer's
 * last byte: GetText's own deadline) and counted by the budget.
 * Neither the secret nor a token ever reaches an error message or a log line.
 */
import type { MarketoInstance } from '../config';
import type { GetText } from '../http/get-text';
import type { RestBudget } from './budget';

export type RestErrorCode = 'unreachable' | 'auth_failed' | 'rate_limited' | 'quota_reached' | 'daily_budget' | 'rate_budget' | 'api_error' | 'answer_invalid';

export class MarketoRestError extends Error {
  constructor(
    readonly code: RestErrorCode,
    message: string,
    /** Marketo's own error code, when it gave one */
    readonly marketoCode?: string,
  ) {
    super(message);
    this.name = 'MarketoRestError';
  }
}

export interface RawActivityType {
  id: unknown;
  name?: unknown;
  primaryAttribute?: unknown;
  attributes?: unknown;
}

export interface MarketoRestClient {
  activityTypes(): Promise<RawActivityType[]>;
}

export interface RestClientDeps {
  get: GetText;
  now: () => number;
  timeoutMs: number;
  budget: RestBudget;
}

/** A catalog of a few hundred types is tens of KB; this bound only stops a runaway answer. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** Renew a token this long before Marketo says it expires. */
const TOKEN_MARGIN_MS = 60_000;

interface Answer {
  success?: unknown;
  errors?: { code?: unknown }[];
  result?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
}

export function marketoRestClient(instance: MarketoInstance, deps: RestClientDeps): MarketoRestClient {
  let token: { value: string; until: number } | undefined;

  const call = async (url: string, headers?: Record<string, string>): Promise<{ status: number; body: Answer }> => {
    const refusal = await deps.budget.take();
    if (refusal) throw new MarketoRestError(refusal, `not called: ${refusal.replace('_', ' ')}`);
    let answer;
    try {
      answer = await deps.get(url, deps.timeoutMs, { headers: { accept: 'application/json', ...headers }, maxBytes: MAX_ANSWER_BYTES });
    } catch (err) {
      await deps.budget.failed('unreachable').catch(() => undefined);
      throw new MarketoRestError('unreachable', `Marketo REST unreachable (${(err as Error).name})`);
    }
    let body: Answer = {};
    try {
      body = JSON.parse(answer.text) as Answer;
    } catch {
      // an answer that is not JSON (an error page): judged by its status below
    }
    return { status: answer.status, body: typeof body === 'object' && body !== null ? body : {} };
  };

  const fresh = async (): Promise<string> => {
    if (token && token.until > deps.now()) return token.value;
    const q = new URLSearchParams({ grant_type: 'client_credentials', client_id: instance.clientId, client_secret: instance.clientSecret });
    const { status, body } = await call(`${instance.identityEndpoint}/oauth/token?${q}`);
    if (status === 401 || status === 403) {
      await deps.budget.failed('identity_401').catch(() => undefined);
      throw new MarketoRestError('auth_failed', `the Identity endpoint refused the client credentials (HTTP ${status})`);
    }
    if (status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
      await deps.budget.failed(`identity_${status}`).catch(() => undefined);
      throw new MarketoRestError(status >= 500 || status === 0 ? 'unreachable' : 'answer_invalid', `the Identity endpoint gave no access token (HTTP ${status})`);
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    token = { value: body.access_token, until: deps.now() + Math.max(0, seconds * 1000 - TOKEN_MARGIN_MS) };
    return token.value;
  };

  const codeOf = (body: Answer): string | undefined => {
    const c = Array.isArray(body.errors) ? body.errors[0]?.code : undefined;
    return typeof c === 'string' || typeof c === 'number' ? String(c) : undefined;
  };

  return {
    async activityTypes() {
      for (let attempt = 0; ; attempt++) {
        const { status, body } = await call(`${instance.restEndpoint}/v1/activities/types.json`, { authorization: `Bearer ${await fresh()}` });
        if (status !== 200) {
          await deps.budget.failed(`http_${status}`).catch(() => undefined);
          throw new MarketoRestError(status >= 500 ? 'unreachable' : 'api_error', `Marketo REST answered HTTP ${status}`);
        }
        if (body.success === true && Array.isArray(body.result)) return body.result as RawActivityType[];
        const code = codeOf(body);
        if (body.success !== false || code === undefined) throw new MarketoRestError('answer_invalid', 'Marketo REST answered neither a result nor an error');
        await deps.budget.failed(code).catch(() => undefined);
        if ((code === '601' || code === '602') && attempt === 0) {
          // invalid or expired: renew once (help/rest-api/authentication.md)
          token = undefined;
          continue;
        }
        if (code === '606') throw new MarketoRestError('rate_limited', 'Marketo REST: more than 100 calls in 20 s on this instance (606)', code);
        if (code === '607') throw new MarketoRestError('quota_reached', 'Marketo REST: the daily quota is reached (607)', code);
        if (code === '601' || code === '602') throw new MarketoRestError('auth_failed', `Marketo REST refused a renewed access token (${code})`, code);
        throw new MarketoRestError('api_error', `Marketo REST error ${code}`, code);
      }
    },
  };
}

/**
 * Registration challenge: Adobe sends `GET <url>?challenge=<value>` and expects
 * the value back (JSON `{"challenge": v}` or text/plain).
 */
import { rejected, type Outcome } from '../outcome';

const CHALLENGE = /^[A-Za-z0-9._~-]{1,256}$/;

/** The answer to a GET: the echoed challenge, or 400 when it is not a short token. */
export function answerChallenge(query: URLSearchParams, accept: string | undefined): Outcome {
  const value = query.get('challenge');
  if (value === null) {
    return rejected(400, 'challenge_missing', 'GET is only used for the registration challenge: ?challenge=<value>');
  }
  if (!CHALLENGE.test(value)) {
    return rejected(400, 'challenge_invalid', 'the challenge must be 1-256 characters of [A-Za-z0-9._~-]');
  }
  const format = accept && /text\/plain/i.test(accept) && !/json/i.test(accept) ? 'text' : 'json';
  return { kind: 'challenge', challenge: value, format };
}

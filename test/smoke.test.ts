import { toHttpResponse } from '../src/http/response';
test('smoke', () => { expect(toHttpResponse({ kind: 'challenge', challenge: 'a', format: 'text' }).body).toBe('a'); });

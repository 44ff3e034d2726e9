import { extractPushToken, matchesStaticToken } from '../../src/lead-push/static-token';

const q = (s = '') => new URLSearchParams(s);
const auth = (authorization: string) => ({ authorization });

describe('extractPushToken: the accepted places', () => {
  it.each([
    ['Bearer scheme', auth('Bearer s3cr3t-A'), '', 'bearer'],
    ['bearer, lower case', auth('bearer s3cr3t-A'), '', 'bearer'],
    ['BEARER, upper case', auth('BEARER s3cr3t-A'), '', 'bearer'],
    ['Token scheme', auth('Token s3cr3t-A'), '', 'token'],
    ['tOkEn, mixed case', auth('tOkEn s3cr3t-A'), '', 'token'],
    ['bare header', auth('s3cr3t-A'), '', 'bare'],
    ['surrounding whitespace', auth(' \t Bearer s3cr3t-A \t '), '', 'bearer'],
    ['bare with surrounding whitespace', auth('  s3cr3t-A  '), '', 'bare'],
    ['?access_token=', {}, 'access_token=s3cr3t-A', 'query'],
    ['?token=', {}, 'token=s3cr3t-A', 'query'],
  ])('%s', (_name, headers, query, place) => {
    expect(extractPushToken(headers, q(query))).toEqual({ token: 's3cr3t-A', place });
  });

  it('keeps the credential exactly as sent (no case folding of the token itself)', () => {
    expect(extractPushToken(auth('Bearer AbC.dEf-_~+/='), q())).toEqual({ token: 'AbC.dEf-_~+/=', place: 'bearer' });
  });

  it('decodes the query value (URLSearchParams), keeping inner characters', () => {
    expect(extractPushToken({}, q('access_token=a%2Bb%3D'))).toEqual({ token: 'a+b=', place: 'query' });
  });

  it('prefers the Authorization header over the query string', () => {
    expect(extractPushToken(auth('Bearer from-header'), q('token=from-query'))).toEqual({ token: 'from-header', place: 'bearer' });
  });
});

describe('extractPushToken: nothing usable', () => {
  it.each([
    ['no header, no query', {}, ''],
    ['empty header', auth(''), ''],
    ['whitespace-only header', auth('   '), ''],
    ['scheme without credential', auth('Bearer'), ''],
    ['scheme and blanks only', auth('Bearer    '), ''],
    ['Token scheme without credential', auth('Token'), ''],
    ['two credentials', auth('Bearer abc def'), ''],
    ['Basic credentials', auth('Basic dXNlcjpwYXNz'), ''],
    ['a bare word "Basic"', auth('Basic'), ''],
    ['empty ?access_token=', {}, 'access_token='],
    ['empty ?token=', {}, 'token='],
    ['an unrelated query parameter', {}, 'apikey=abc'],
  ])('%s', (_name, headers, query) => {
    expect(extractPushToken(headers, q(query))).toBeUndefined();
  });
});

describe('matchesStaticToken', () => {
  const allowed = ['tok-current-7f3a', 'tok-next-91bc'] as const;

  it('accepts every configured token (rotation)', () => {
    expect(matchesStaticToken('tok-current-7f3a', allowed)).toBe(true);
    expect(matchesStaticToken('tok-next-91bc', allowed)).toBe(true);
  });

  it('accepts non-ASCII tokens byte for byte', () => {
    expect(matchesStaticToken('jeton-é-ü', ['jeton-é-ü'])).toBe(true);
    expect(matchesStaticToken('jeton-e-u', ['jeton-é-ü'])).toBe(false);
  });

  it.each([
    ['wrong token', 'tok-other-0000'],
    ['empty token', ''],
    ['different case', 'TOK-CURRENT-7F3A'],
    ['one letter of different case', 'Tok-current-7f3a'],
    ['trailing space', 'tok-current-7f3a '],
    ['leading space', ' tok-current-7f3a'],
    ['trailing newline', 'tok-current-7f3a\n'],
    ['trailing tab', 'tok-current-7f3a\t'],
    ['zero-width space', 'tok-current-7f3a\u200b'],
    ['prefix of a token', 'tok-current-7f3'],
    ['token plus a character', 'tok-current-7f3ax'],
    ['both tokens joined', 'tok-current-7f3a,tok-next-91bc'],
  ])('refuses a %s', (_name, token) => {
    expect(matchesStaticToken(token, allowed)).toBe(false);
  });

  it('refuses everything when no token is configured', () => {
    expect(matchesStaticToken('tok-current-7f3a', [])).toBe(false);
  });

  it('compares tokens of any length without throwing (both sides are hashed first)', () => {
    expect(matchesStaticToken('x'.repeat(10_000), allowed)).toBe(false);
    expect(matchesStaticToken('x', allowed)).toBe(false);
  });

  it('a credential with an added space in the query string does not match', () => {
    const extracted = extractPushToken({}, q('token=tok-current-7f3a%20'));
    expect(extracted).toEqual({ token: 'tok-current-7f3a ', place: 'query' });
    expect(matchesStaticToken(extracted!.token, allowed)).toBe(false);
  });
});

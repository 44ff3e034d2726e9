import { findLink, parseLinkHeader } from '../../src/journal/link-header';

const base = 'https://events.adobe.io/events/organizations/1/integrations/2/abc?since=p0';

describe('Link header parsing', () => {
  it.each([
    ['one absolute next', '<https://a/x?since=1>; rel="next"', 'https://a/x?since=1'],
    ['next after another rel', '<https://a/l>; rel="latest", <https://a/n>; rel="next"', 'https://a/n'],
    ['unquoted rel', '<https://a/n>; rel=next', 'https://a/n'],
    ['relative target, resolved against the request', '</events/x?since=moose:e7ba:2159>; rel="next"', 'https://events.adobe.io/events/x?since=moose:e7ba:2159'],
    ['two header lines joined by fetch', '</e/j?since=r1>; rel="next", </e/j/validate?since=r1>; rel="validate"', 'https://events.adobe.io/e/j?since=r1'],
    ['rel is a list of types', '</a>; rel="prev next"', 'https://events.adobe.io/a'],
    ['rel compared case-insensitively', '</a>; REL="Next"', 'https://events.adobe.io/a'],
    ['other parameters first, with commas, semicolons and < in quotes', '</a>; title="x, <b>; rel=next"; rel="self", </b>; type="a;b"; rel=next', 'https://events.adobe.io/b'],
    ['spaces around = and ;', '</a> ;rel = "next" ; x=1', 'https://events.adobe.io/a'],
    ['escaped quote inside a quoted parameter', '</a>; title="say \\"hi\\", <x>"; rel="next"', 'https://events.adobe.io/a'],
    ['a malformed value before the good one', 'garbage, </ok>; rel=next', 'https://events.adobe.io/ok'],
  ])('%s', (_n, header, want) => expect(findLink(header, base, 'next')).toBe(want));

  it.each([
    ['no header', null],
    ['empty header', ''],
    ['only other relations', '<https://a/l>; rel="latest", <https://a/c>; rel="count"'],
    ['a relation that merely starts with next', '</a>; rel="nextpage"'],
    ['a relation that merely ends with next', '</a>; rel="prenext"'],
    ['next only inside another parameter', '</a>; title="rel=next"'],
    ['no rel at all', '</a>'],
    ['unterminated target', '</a; rel=next'],
    ['a second rel parameter is ignored (RFC 8288)', '</a>; rel="self"; rel="next"'],
  ])('finds no next link: %s', (_n, header) => expect(findLink(header, base, 'next')).toBeUndefined());

  it('lists every link with its relation types, in order', () => {
    expect(parseLinkHeader('</n>; rel="next", <https://x/l>; rel="latest alternate"', base)).toEqual([
      { href: 'https://events.adobe.io/n', rels: ['next'] },
      { href: 'https://x/l', rels: ['latest', 'alternate'] },
    ]);
  });

  it('skips a target that is not a URL instead of throwing', () => {
    expect(parseLinkHeader('<http://[bad>; rel=next, </good>; rel=next', base)).toEqual([{ href: 'https://events.adobe.io/good', rels: ['next'] }]);
  });
});

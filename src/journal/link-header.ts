/**
 * RFC 8288 `Link` headers as the I/O Events Journaling API sends them:
 *   Link: </events/…?since=…>; rel="next"
 *   Link: </events/…/validate?since=…>; rel="validate"
 * Several headers arrive joined by ", " (fetch's Headers.get); link targets are
 * often relative; parameters may be quoted strings holding `,` `;` or `<`; `rel`
 * is a space-separated list of relation types compared case-insensitively.
 */
export interface WebLink {
  /** absolute URL, resolved against the request URL */
  href: string;
  /** relation types, lower-cased */
  rels: string[];
}

/** Reads a quoted-string starting at `s[i] === '"'`; returns its value and the index after it. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\' && j + 1 < s.length) out += s[++j];
    else if (s[j] === '"') return [out, j + 1];
    else out += s[j];
  }
  return [out, s.length];
}

/** Reads `; name=value` parameters up to the `,` that ends this link value. */
function readParams(s: string, i: number): [Map<string, string>, number] {
  const params = new Map<string, string>();
  while (i < s.length && s[i] !== ',') {
    const m = /^[\s;]*([^\s=;,"]+)\s*(=\s*)?/.exec(s.slice(i));
    if (!m) {
      i = s[i] === '"' ? readQuoted(s, i)[1] : i + 1; // stray text: step over it
      continue;
    }
    i += m[0].length;
    let value = '';
    if (m[2] !== undefined) {
      if (s[i] === '"') [value, i] = readQuoted(s, i);
      else {
        const bare = /^[^;,]*/.exec(s.slice(i))?.[0] ?? '';
        value = bare.trim();
        i += bare.length;
      }
    }
    const name = m[1].toLowerCase();
    if (!params.has(name)) params.set(name, value); // RFC 8288: only the first `rel` counts
  }
  return [params, i];
}

const resolve = (target: string, base: string): string | undefined => {
  try {
    return new URL(target.trim(), base).toString();
  } catch {
    return undefined;
  }
};

/** Every link in the header, in order; malformed pieces are skipped, never thrown. */
export function parseLinkHeader(header: string | null | undefined, base: string): WebLink[] {
  const links: WebLink[] = [];
  if (!header) return links;
  let i = 0;
  while (i < header.length) {
    const open = header.indexOf('<', i);
    if (open < 0) break;
    const close = header.indexOf('>', open + 1);
    if (close < 0) break;
    const [params, next] = readParams(header, close + 1);
    const href = resolve(header.slice(open + 1, close), base);
    const rels = (params.get('rel') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    if (href && rels.length) links.push({ href, rels });
    i = next + 1;
  }
  return links;
}

/** The first link with relation type `rel` (e.g. "next"), absolute. */
export function findLink(header: string | null | undefined, base: string, rel: string): string | undefined {
  const wanted = rel.toLowerCase();
  return parseLinkHeader(header, base).find((l) => l.rels.includes(wanted))?.href;
}

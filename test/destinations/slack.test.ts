/**
 * The slack destination against a real loopback server playing a Slack incoming
 * webhook (200 "ok", 429 + Retry-After, 400 invalid_payload, 404 no_service, 500,
 * a hang, a redirect), every message checked against Block Kit's documented
 * shape and limits (test/fixtures/chat-formats.md).
 */
import { createSlackDestination, escapeMrkdwn, parseSlackConfig, SLACK_MAX_MESSAGE_BYTES } from '../../src/destinations/slack';
import { batchOf, failureStorm } from '../support/chat-events';
import { chatKindSuite } from '../support/chat-suite';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (t: unknown): string => (isObj(t) && typeof t.text === 'string' ? t.text : '');

/** Block Kit, as documented: ≤ 50 blocks of known types; header plain_text ≤ 150; section text ≤ 3000, ≤ 10 fields of ≤ 2000; context ≤ 10 elements. */
function problems(body: unknown): string[] {
  const out: string[] = [];
  if (!isObj(body) || typeof body.text !== 'string' || body.text === '') return ['no fallback text'];
  const blocks = body.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) return [`blocks: ${Array.isArray(blocks) ? blocks.length : typeof blocks}`];
  blocks.forEach((b: unknown, i) => {
    if (!isObj(b)) return void out.push(`block ${i} not an object`);
    const kinds = (o: unknown): boolean => isObj(o) && (o.type === 'mrkdwn' || o.type === 'plain_text');
    if (b.type === 'header') {
      if (!isObj(b.text) || b.text.type !== 'plain_text' || textOf(b.text).length === 0 || textOf(b.text).length > 150) out.push(`header ${i}`);
    } else if (b.type === 'section') {
      // a section has a text (≤ 3000), fields, or both
      if (b.text === undefined ? b.fields === undefined : !kinds(b.text) || textOf(b.text).length > 3000) out.push(`section ${i} text`);
      if (b.fields !== undefined && (!Array.isArray(b.fields) || b.fields.length > 10 || b.fields.some((f) => !kinds(f) || textOf(f).length > 2000 || textOf(f).length === 0))) out.push(`section ${i} fields`);
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10 || b.elements.some((e) => !kinds(e) || textOf(e).length > 3000)) out.push(`context ${i}`);
    } else out.push(`block ${i}: unknown type ${String(b.type)}`);
  });
  // mrkdwn's control characters: an event's `<` or `>` is sent escaped, never raw (no link, mention or @channel)
  if (texts(body).some((t) => /[<>]/.test(t))) out.push('an unescaped < or >');
  if (Buffer.byteLength(JSON.stringify(body)) > SLACK_MAX_MESSAGE_BYTES) out.push('over the byte bound');
  return out;
}

function texts(body: unknown): string[] {
  if (!isObj(body) || !Array.isArray(body.blocks)) return [];
  const blocks = body.blocks as Obj[];
  return [String(body.text), ...blocks.flatMap((b) => [textOf(b.text), ...((b.fields ?? b.elements ?? []) as unknown[]).map(textOf)])].filter(Boolean);
}

chatKindSuite({
  kind: 'slack',
  parse: parseSlackConfig,
  create: createSlackDestination,
  ok: { status: 200, body: 'ok' },
  serviceUrl: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  problems,
  texts,
});

describe('slack: mrkdwn', () => {
  it("escapes Slack's three control characters, and only those", () => {
    expect(escapeMrkdwn('<!channel> & <@U1> *b* _i_ > x')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; *b* _i_ &gt; x');
  });

  it('a value is one line of at most 200 characters, whatever was sent', async () => {
    const [e] = failureStorm(1);
    let sent: unknown;
    const d = createSlackDestination('oncall', { url: 'https://hooks.slack.com/services/T/B/X', coalesceOver: 5, minIntervalMs: 0, maxBatchEvents: 500 }, {
      exchange: async (_u, _m, o) => {
        sent = JSON.parse(String(o.body));
        return { status: 200, text: 'ok', headers: {} };
      },
    });
    const long = { ...e, userId: `${'a'.repeat(500)}\n*injected*` };
    await d.send(batchOf([long]), { deadline: Date.now() + 5000, now: Date.now });
    const userField = texts(sent).find((t) => t.startsWith('*User*'))!;
    expect(userField).toBe(`*User*\n${'a'.repeat(199)}…`);
  });
});

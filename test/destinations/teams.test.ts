/**
 * The teams destination against a real loopback server playing a Teams
 * Workflows webhook (202 Accepted, 429 + Retry-After, 400, 404, 413, 500, a hang,
 * a redirect), every message checked against the documented envelope (a
 * `message` with one adaptive-card attachment), the Adaptive Card schema's
 * shape and Teams' ~28 KB bound (test/fixtures/chat-formats.md).
 */
import { createTeamsDestination, parseTeamsConfig, TEAMS_MAX_MESSAGE_BYTES } from '../../src/destinations/teams';
import { chatKindSuite } from '../support/chat-suite';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const cardOf = (body: unknown): Obj | undefined => {
  const a = isObj(body) && Array.isArray(body.attachments) ? (body.attachments[0] as unknown) : undefined;
  return isObj(a) && isObj(a.content) ? a.content : undefined;
};
/** the card's own titles: constants and numbers only, never an event's text (a TextBlock reads markdown) */
const TITLE = /^[A-Za-z0-9 ,…-]+$/;

function problems(body: unknown): string[] {
  const out: string[] = [];
  if (!isObj(body) || body.type !== 'message' || !Array.isArray(body.attachments) || body.attachments.length !== 1) return ['not a message with one attachment'];
  const a = body.attachments[0] as Obj;
  if (a.contentType !== 'application/vnd.microsoft.card.adaptive') out.push('contentType');
  const card = cardOf(body);
  if (!card || card.type !== 'AdaptiveCard' || !['1.4', '1.5'].includes(String(card.version)) || !Array.isArray(card.body) || card.body.length === 0) return [...out, 'not an AdaptiveCard 1.4/1.5 with a body'];
  (card.body as unknown[]).forEach((el, i) => {
    if (!isObj(el)) return void out.push(`element ${i}`);
    if (el.type === 'TextBlock') {
      if (typeof el.text !== 'string' || !TITLE.test(el.text)) out.push(`TextBlock ${i} carries more than a title: ${JSON.stringify(el.text)}`);
    } else if (el.type === 'RichTextBlock') {
      if (!Array.isArray(el.inlines) || el.inlines.length === 0 || el.inlines.some((r) => !isObj(r) || r.type !== 'TextRun' || typeof r.text !== 'string')) out.push(`RichTextBlock ${i}`);
    } else out.push(`element ${i}: unknown type ${String(el.type)}`);
  });
  if (Buffer.byteLength(JSON.stringify(body)) > TEAMS_MAX_MESSAGE_BYTES) out.push('over the byte bound');
  return out;
}

function texts(body: unknown): string[] {
  const els = (cardOf(body)?.body ?? []) as Obj[];
  return els.flatMap((el) => (el.type === 'TextBlock' ? [String(el.text)] : [((el.inlines ?? []) as Obj[]).map((r) => String(r.text)).join('')]));
}

chatKindSuite({
  kind: 'teams',
  parse: parseTeamsConfig,
  create: createTeamsDestination,
  ok: { status: 202 },
  serviceUrl: 'https://default0123456789abcdef.01.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/0123abcd/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=XXXXXXXXXXXXXXXX',
  problems,
  texts,
});

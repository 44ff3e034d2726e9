/**
 * The `slack` destination: a Slack incoming webhook (docs.slack.dev, "Sending
 * messages using incoming webhooks"), one Block Kit message per batch. Sources,
 * limits and answers: test/fixtures/chat-formats.md.
 *
 *  - blocks: a `header` (plain_text, ≤ 150 characters: a constant title), one
 *    `section` per event or per summary part (a bold title and up to 10
 *    `fields`, each ≤ 2000 characters of mrkdwn), `context` lines (≤ 10
 *    elements); at most 13 of Slack's 50 blocks;
 *  - `text`: the fallback Slack shows in notifications;
 *  - every text from an event or the configuration is escaped for mrkdwn: `&`,
 *    `<` and `>` are Slack's control characters (links, @channel, mentions) and
 *    become `&amp;`, `&lt;`, `&gt;`, as Slack's formatting reference says;
 *  - at most `SLACK_MAX_MESSAGE_BYTES` of JSON: Slack refuses long block
 *    messages (msg_blocks_too_long) well below its 40,000-character text bound,
 *    so a larger message is summarised instead.
 */
import type { Destination } from './destination';
import { createChatDestination, parseChatConfig, type ChatConfig, type ChatDeps, type ChatMessage, type Fact } from './chat';

export type SlackConfig = ChatConfig;
export const SLACK_MAX_MESSAGE_BYTES = 12_000;

/** Slack's mrkdwn escaping of its three control characters. */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const field = (f: Fact): { type: 'mrkdwn'; text: string } => ({ type: 'mrkdwn', text: `*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}` });

/** A chat message as Slack incoming-webhook JSON (Block Kit). */
export function slackMessage(m: ChatMessage): { text: string; blocks: Record<string, unknown>[] } {
  const context = m.context.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${escapeMrkdwn(f.label)}*: ${escapeMrkdwn(f.value)}` }));
  return {
    text: escapeMrkdwn([m.title, ...m.context.map((f) => `${f.label}: ${f.value}`)].join(' · ')),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: m.title.slice(0, 150), emoji: true } },
      ...m.sections
        .filter((s) => s.title !== '' || s.facts.length > 0)
        .map((s) => ({ type: 'section', ...(s.title !== '' ? { text: { type: 'mrkdwn', text: `*${escapeMrkdwn(s.title)}*` } } : {}), ...(s.facts.length > 0 ? { fields: s.facts.slice(0, 10).map(field) } : {}) })),
      ...(m.note ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(m.note) }] }] : []),
      ...(context.length > 0 ? [{ type: 'context', elements: context }] : []),
    ],
  };
}

export function parseSlackConfig(raw: unknown, o: { local: boolean }): { ok: true; value: SlackConfig } | { ok: false; errors: string[] } {
  return parseChatConfig('slack', raw, o);
}

export function createSlackDestination(name: string, config: SlackConfig, deps?: ChatDeps): Destination {
  return createChatDestination(name, config, { kind: 'slack', render: slackMessage, maxMessageBytes: SLACK_MAX_MESSAGE_BYTES }, deps);
}

/**
 * The `teams` destination: a Microsoft Teams **Workflows** webhook ("Post to a
 * channel when a webhook request is received"), carrying one Adaptive Card per
 * batch. Office 365 connectors (the old incoming webhooks) are retired; the
 * Workflows webhook takes `{"type":"message","attachments":[{"contentType":
 * "application/vnd.microsoft.card.adaptive","content":<AdaptiveCard>}]}` and
 * answers 202 Accepted. Sources, limits and answers: test/fixtures/chat-formats.md.
 *
 *  - the card: version 1.4; a bold `TextBlock` title and one per section, built
 *    from constants and numbers only; every text from an event or the
 *    configuration is a `TextRun` in a `RichTextBlock` — a TextRun's text is
 *    never read as markdown (Adaptive Cards schema, TextRun.text: "Markdown is
 *    not supported"), so an event cannot format, link or mention;
 *  - at most `TEAMS_MAX_MESSAGE_BYTES` of JSON, under the ~28 KB Teams takes
 *    for a message (a larger message is summarised instead).
 */
import type { Destination } from './destination';
import { createChatDestination, parseChatConfig, type ChatConfig, type ChatDeps, type ChatMessage, type Fact } from './chat';

export type TeamsConfig = ChatConfig;
export const TEAMS_MAX_MESSAGE_BYTES = 24 * 1024;

const line = (f: Fact, isSubtle = false): Record<string, unknown> => ({
  type: 'RichTextBlock',
  inlines: [
    { type: 'TextRun', text: `${f.label}: `, weight: 'Bolder', isSubtle },
    { type: 'TextRun', text: f.value, isSubtle },
  ],
});
const heading = (text: string, size: 'Medium' | 'Default'): Record<string, unknown> => ({ type: 'TextBlock', text, weight: 'Bolder', size, wrap: true });

/** A chat message as a Workflows webhook's body: a message with one Adaptive Card. */
export function teamsMessage(m: ChatMessage): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          fallbackText: m.title,
          body: [
            heading(m.title, 'Medium'),
            ...m.sections.flatMap((s) => [...(s.title !== '' ? [{ ...heading(s.title, 'Default'), separator: true, spacing: 'Medium' }] : []), ...s.facts.map((f) => line(f))]),
            ...(m.note ? [{ type: 'TextBlock', text: m.note, isSubtle: true, wrap: true }] : []),
            ...m.context.map((f) => line(f, true)),
          ],
        },
      },
    ],
  };
}

export function parseTeamsConfig(raw: unknown, o: { local: boolean }): { ok: true; value: TeamsConfig } | { ok: false; errors: string[] } {
  return parseChatConfig('teams', raw, o);
}

export function createTeamsDestination(name: string, config: TeamsConfig, deps?: ChatDeps): Destination {
  return createChatDestination(name, config, { kind: 'teams', render: teamsMessage, maxMessageBytes: TEAMS_MAX_MESSAGE_BYTES }, deps);
}

/**
 * The event registration app.config.yaml declares asks only for what Adobe
 * documents: each provider metadata id and event code is listed, with the pages
 * that spell it out, in test/fixtures/event-codes.json; the codes the
 * User Audit page's own samples carry are checked against the extracted samples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

type Registration = { events_of_interest: { provider_metadata: string; event_codes: string[] }[]; runtime_action: string };
const ROOT = join(__dirname, '../..');
const manifest = load(readFileSync(join(ROOT, 'app.config.yaml'), 'utf8')) as { application: { events: { registrations: Record<string, Registration> } } };
const documented = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/event-codes.json'), 'utf8')) as { providerMetadata: Record<string, string[]>; codes: Record<string, string[]> };
const registrations = Object.entries(manifest.application.events.registrations);

it('declares at least the User Audit registration, to a Runtime action of this app', () => {
  expect(registrations.map(([, r]) => r.runtime_action)).toContain('marketo-stream-relay/user-audit-registration');
});

it.each(registrations)('%s asks only for documented provider metadata and event codes', (_name, r) => {
  for (const interest of r.events_of_interest) {
    expect(Object.keys(documented.providerMetadata)).toContain(interest.provider_metadata);
    expect(interest.event_codes.length).toBeGreaterThan(0);
    for (const code of interest.event_codes) expect({ code, documented: code in documented.codes }).toEqual({ code, documented: true });
  }
});

it('the documented codes are the ones the stored page samples carry (User Audit sample types)', () => {
  const audit = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/adobe-docs/io-events-user-audit.json'), 'utf8')) as { samples: { json?: unknown }[] };
  const types = new Set(JSON.stringify(audit.samples.map((s) => s.json)).match(/com\.adobe\.platform\.marketo\.audit\.user\.[a-z]+/g) ?? []);
  expect([...types].sort()).toEqual(['com.adobe.platform.marketo.audit.user.email', 'com.adobe.platform.marketo.audit.user.landingpage']);
  for (const t of types) expect(documented.codes[t]).toEqual(expect.arrayContaining([expect.stringMatching(/user-audit-data-stream-setup\.md$/)]));
});

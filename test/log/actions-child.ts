/**
 * Runs every receiver and the status action in this process, as deployed
 * (LOG_LEVEL=debug, no log sink, the real log writer), across the paths that log:
 * accepted, duplicate, refused signature, missing recipient, challenge, config
 * error, push with a bad token, a push with a quarantined activity, status.
 * Its stdout and stderr must hold nothing but the actions' log lines; the answers
 * go to the file named by argv[2]. Driven by pure-json.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { main as userAudit } from '../../actions/user-audit/index';
import { main as notification } from '../../actions/notification/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as status } from '../../actions/status/index';
import { auditEvent, legacyPush, notificationEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

async function run(): Promise<void> {
  const h = new RelayHarness();
  await h.start({ LOG_LEVEL: 'debug' });
  h.logs.stop();
  const rng = seeded(3);
  const statuses: number[] = [];
  const ask = async (main: Parameters<RelayHarness['call']>[0], req: Parameters<RelayHarness['call']>[1], inputs?: Record<string, string>) =>
    statuses.push((await h.call(main, req, inputs)).statusCode);

  const audit = [auditEvent(rng, { clientId: CLIENT_ID }), auditEvent(rng, { clientId: CLIENT_ID })];
  // a hostile value in a field the log line repeats
  (audit[0].event as Record<string, unknown>).id = 'evt\u2028line\u0085two\u001b[31m';
  const delivery = h.signed(audit);
  await ask(userAudit, { headers: { ...delivery.headers, 'x-adobe-delivery-id': 'd\nforged: ok\u2029' }, body: delivery.body });
  await ask(userAudit, delivery); // redelivery: duplicates
  await ask(userAudit, { headers: { ...delivery.headers, 'x-adobe-digital-signature-1': 'AAAA', 'x-adobe-digital-signature-2': 'AAAA' }, body: delivery.body });
  await ask(notification, h.signed([notificationEvent(rng, { clientId: 'someone-else' })]));
  await ask(notification, { method: 'GET', query: 'challenge=abc' });
  await ask(notification, h.signed([notificationEvent(rng, { clientId: CLIENT_ID })]), { ROUTES: '{not json' });
  const push = legacyPush(rng, 5);
  (push.activities as unknown[]).push('not an activity');
  await ask(leadActivity, { headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body: JSON.stringify(push) });
  await ask(leadActivity, { headers: { 'content-type': 'application/json', authorization: 'Bearer wrong\u2028token' }, body: JSON.stringify(push) });
  await ask(status, { method: 'GET' });
  await h.stop();
  writeFileSync(process.argv[2], JSON.stringify(statuses));
}

run().catch((err) => {
  writeFileSync(process.argv[2], JSON.stringify({ failed: String(err) }));
});

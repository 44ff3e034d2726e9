/** A normalized envelope for tests that start after normalization (a User Audit login by default). */
import type { Envelope } from '../../src/envelope/envelope';

export const testEnvelope = (id: string, o: Partial<Envelope> = {}): Envelope => ({
  id,
  stream: 'user-audit',
  type: 'com.adobe.platform.marketo.audit.user.login',
  source: 'urn:mlm',
  time: '2026-03-02T10:00:00.000Z',
  transport: 'io-events',
  receivedAt: '2026-03-02T10:00:01.000Z',
  data: {},
  ...o,
});

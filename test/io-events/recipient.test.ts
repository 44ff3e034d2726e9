import { checkRecipients } from '../../src/io-events/recipient';

describe('checkRecipients', () => {
  const allowed = ['client-a', 'client-b'];
  it('accepts both field spellings', () => {
    expect(checkRecipients([{ recipientclientid: 'client-a' }], allowed)).toBeUndefined();
    expect(checkRecipients([{ recipient_client_id: 'client-b' }], allowed)).toBeUndefined();
    expect(checkRecipients([{ recipientclientid: 'client-a', recipient_client_id: 'client-a' }], allowed)).toBeUndefined();
  });
  it('checks every element of a batch', () => {
    const batch = [{ recipientclientid: 'client-a' }, { recipientclientid: 'client-a' }, { recipientclientid: 'other' }];
    expect(checkRecipients(batch, allowed)).toMatchObject({ status: 403, code: 'recipient_mismatch', message: expect.stringContaining('event 2') });
  });
  it('rejects an element with no recipient', () => {
    expect(checkRecipients([{ recipientclientid: 'client-a' }, {}], allowed)).toMatchObject({ status: 403, code: 'recipient_missing' });
  });
  it('rejects when the two spellings disagree', () => {
    expect(checkRecipients([{ recipientclientid: 'client-a', recipient_client_id: 'other' }], allowed)).toMatchObject({ status: 403 });
  });
  it('rejects non-string ids and case variants', () => {
    expect(checkRecipients([{ recipientclientid: ['client-a'] }], allowed)).toMatchObject({ status: 403 });
    expect(checkRecipients([{ recipientclientid: 'CLIENT-A' }], allowed)).toMatchObject({ status: 403 });
  });
  it('finds the recipient inside `event`, next to `body` (User Audit single-event sample), in either spelling', () => {
    expect(checkRecipients([{ eventid: 'e', event: { body: {}, recipientclientid: 'client-a' } }], allowed)).toBeUndefined();
    expect(checkRecipients([{ eventid: 'e', event: { body: {}, recipient_client_id: 'client-b' } }], allowed)).toBeUndefined();
  });
  it('checks every element wherever its recipient stands: one wrong one inside `event` refuses the batch', () => {
    const batch = [{ recipientclientid: 'client-a' }, { event: { recipientclientid: 'client-b' } }, { event: { body: {}, recipientclientid: 'other' } }];
    expect(checkRecipients(batch, allowed)).toMatchObject({ status: 403, code: 'recipient_mismatch', message: expect.stringContaining('event 2 is addressed to another client id (event.recipientclientid)') });
  });
  it('every spelling present must match, at the top level and inside `event` alike', () => {
    expect(checkRecipients([{ recipientclientid: 'client-a', event: { recipientclientid: 'other' } }], allowed)).toMatchObject({ status: 403, code: 'recipient_mismatch' });
    expect(checkRecipients([{ recipient_client_id: 'other', event: { recipientclientid: 'client-a' } }], allowed)).toMatchObject({ status: 403, code: 'recipient_mismatch' });
    expect(checkRecipients([{ recipientclientid: 'client-a', event: { recipient_client_id: 'client-b' } }], allowed)).toBeUndefined();
  });
  it('a recipient inside event.body is not a recipient (only the top level and `event` are)', () => {
    expect(checkRecipients([{ event: { body: { recipientclientid: 'client-a' } } }], allowed)).toMatchObject({ status: 403, code: 'recipient_missing' });
  });
  it('with required: false an element naming no recipient passes, but a present one must still match', () => {
    expect(checkRecipients([{ id: 'observability-metrics' }], allowed, { required: false })).toBeUndefined();
    expect(checkRecipients([{ id: 'x' }, { event: { recipientclientid: 'other' } }], allowed, { required: false })).toMatchObject({ status: 403, code: 'recipient_mismatch' });
    expect(checkRecipients([{ id: 'x' }], allowed, { required: true })).toMatchObject({ status: 403, code: 'recipient_missing' });
  });
  it('is a configuration error when no client id is configured', () => {
    expect(checkRecipients([{ recipientclientid: 'client-a' }], [])).toMatchObject({ status: 500, code: 'config_invalid' });
  });
});

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
  it('is a configuration error when no client id is configured', () => {
    expect(checkRecipients([{ recipientclientid: 'client-a' }], [])).toMatchObject({ status: 500, code: 'config_invalid' });
  });
});

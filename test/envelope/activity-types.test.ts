import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  activityEventType,
  CUSTOM_ACTIVITY_TYPE,
  FIRST_CUSTOM_ACTIVITY_ID,
  STANDARD_ACTIVITY_TYPES,
  standardActivityName,
} from '../../src/envelope/activity-types';

/** The LADS setup page's "Event List", extracted row by row (the fixture names repo, path and commit). */
interface EventList {
  source: { repo: string; path: string; commit: string };
  standard: { id: number; name: string }[];
  custom: { name: string; firstId: number };
}
const page = JSON.parse(readFileSync(join(__dirname, 'fixtures/lads-event-list.json'), 'utf8')) as EventList;

describe('activity types: the table is the LADS setup page’s Event List', () => {
  it('the fixture names its source', () => {
    expect(page.source).toMatchObject({ repo: 'AdobeDocs/adobe-io-events', path: 'src/pages/guides/using/marketo/marketo-lead-activity-data-stream-setup.md', commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(page.standard).toHaveLength(64);
  });
  it('holds exactly the documented ids, each with its documented name', () => {
    const table = Object.entries(STANDARD_ACTIVITY_TYPES).map(([id, name]) => ({ id: Number(id), name }));
    expect(table.sort((a, b) => a.id - b.id)).toEqual([...page.standard].sort((a, b) => a.id - b.id));
  });
  it('custom types start where the page says ("Custom 100000+")', () => {
    expect(page.custom).toEqual({ name: 'Custom', firstId: FIRST_CUSTOM_ACTIVITY_ID });
    expect(activityEventType(FIRST_CUSTOM_ACTIVITY_ID, 'Attended Booth')).toBe(CUSTOM_ACTIVITY_TYPE);
    expect(activityEventType(FIRST_CUSTOM_ACTIVITY_ID - 1, undefined)).toBe('com.adobe.platform.marketo.activity.standard.type99999');
  });
  it.each(page.standard)('id $id ($name) gets the I/O type built from the documented name', ({ id, name }) => {
    expect(standardActivityName(id)).toBe(name);
    expect(activityEventType(id, undefined)).toBe(`com.adobe.platform.marketo.activity.standard.${name.toLowerCase().replace(/ /g, '')}`);
  });
  it('Forward to Friend types are the documented Send/Receive forms, whatever name the push carries', () => {
    expect(activityEventType(111, 'Sent Forward to Friend Email')).toBe('com.adobe.platform.marketo.activity.standard.sendforwardtofriendemail');
    expect(activityEventType(112, 'Received Forward to Friend Email')).toBe('com.adobe.platform.marketo.activity.standard.receiveforwardtofriendemail');
  });
  it('an undocumented id takes the activity’s own name, or its number', () => {
    expect(activityEventType(999, 'Brand New Thing')).toBe('com.adobe.platform.marketo.activity.standard.brandnewthing');
    expect(activityEventType(35, undefined)).toBe('com.adobe.platform.marketo.activity.standard.type35');
    expect(standardActivityName(35)).toBeUndefined();
  });
});

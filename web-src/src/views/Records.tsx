/**
 * Parked records, dead letters and stale dead letters: a page at a time, oldest
 * first, each with its target action, last error and expiry; one record's
 * envelopes; replay one, a selection, or everything of a route (stale records
 * only after the user confirmed they may be handed off a second time); discard a
 * selection after a confirmation; what a change achieved said as it is (done,
 * partly done, not done). Everything here goes through the
 * console action to the replay action's own operations (and their audit log).
 */
import React, { useCallback, useEffect, useState } from 'react';
import { ActionButton } from '@adobe/react-spectrum/ActionButton';
import { AlertDialog } from '@adobe/react-spectrum/AlertDialog';
import { Button } from '@adobe/react-spectrum/Button';
import { ButtonGroup } from '@adobe/react-spectrum/ButtonGroup';
import { Content } from '@adobe/react-spectrum/Content';
import { Dialog } from '@adobe/react-spectrum/Dialog';
import { DialogContainer } from '@adobe/react-spectrum/DialogContainer';
import { DialogTrigger } from '@adobe/react-spectrum/DialogTrigger';
import { Divider } from '@adobe/react-spectrum/Divider';
import { Flex } from '@adobe/react-spectrum/Flex';
import { Heading } from '@adobe/react-spectrum/Heading';
import { InlineAlert } from '@adobe/react-spectrum/InlineAlert';
import { Item, Picker } from '@adobe/react-spectrum/Picker';
import { Cell, Column, Row, TableBody, TableHeader, TableView } from '@adobe/react-spectrum/TableView';
import { Text } from '@adobe/react-spectrum/Text';
import { TextField } from '@adobe/react-spectrum/TextField';
import type { Selection as Keys } from '@adobe/react-spectrum';
import type { ChangeReport, ConsoleApi, ConsoleRecord, Kind, RecordPage } from '../api';

const PAGE = 25;

const age = (s: number): string => (s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`);

const describe = (r: ChangeReport): string =>
  'discarded' in r
    ? `${r.discarded} record(s) discarded`
    : `${r.records} record(s): ${r.replayed} event(s) handed off, ${r.duplicates} already handed off, ${r.failed} still failing${r.deadLettered ? `, ${r.deadLettered} moved to dead letters` : ''}${notReplayable(r) ? `, ${notReplayable(r)} not replayable` : ''}`;

const notReplayable = (r: ChangeReport): number => Number((r as { notReplayable?: unknown }).notReplayable ?? 0);

type Verdict = { variant: 'positive' | 'notice' | 'negative'; heading: string };
/** What a change achieved, said as it is: done only when nothing is left failing and no store call failed. */
export function verdictOf(r: ChangeReport): Verdict {
  const achieved = 'discarded' in r ? r.discarded : r.replayed + r.duplicates;
  const left = r.errors.length + ('discarded' in r ? 0 : r.failed + notReplayable(r));
  if (left === 0) return { variant: 'positive', heading: 'Done' };
  return achieved > 0 ? { variant: 'notice', heading: 'Partly done' } : { variant: 'negative', heading: 'Not done' };
}

const STALE_WARNING =
  'These events were delivered longer ago than the relay remembers hand-offs (DEDUPE_TTL_HOURS): they may have been handed off already, and a replay hands them off again. Replay them anyway?';

/** A replay button; for stale records it asks first, and only then sends includeStale. */
function ReplayButton(p: { label: string; variant: 'accent' | 'primary'; disabled: boolean; stale: boolean; onReplay: (includeStale: boolean) => void }) {
  if (!p.stale) {
    return (
      <Button variant={p.variant} isDisabled={p.disabled} onPress={() => p.onReplay(false)}>
        {p.label}
      </Button>
    );
  }
  return (
    <DialogTrigger>
      <Button variant={p.variant} isDisabled={p.disabled}>
        {p.label}
      </Button>
      <AlertDialog variant="warning" title="Replay stale events?" primaryActionLabel="Replay anyway" cancelLabel="Cancel" onPrimaryAction={() => p.onReplay(true)}>
        {STALE_WARNING}
      </AlertDialog>
    </DialogTrigger>
  );
}

const KIND_LABEL: Record<Kind, string> = { parked: 'Parked records', dead: 'Dead letters', stale: 'Stale dead letters' };

export function RecordsView({ api }: { api: ConsoleApi }) {
  const [kind, setKind] = useState<Kind>('parked');
  const [route, setRoute] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<RecordPage>();
  const [selected, setSelected] = useState<Keys>(new Set());
  const [message, setMessage] = useState<Verdict & { text: string }>();
  const [open, setOpen] = useState<ConsoleRecord>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api.records(kind, { offset, limit: PAGE, route: route.trim() || undefined }).then(
      (p) => setPage(p),
      (e: Error) => setMessage({ variant: 'negative', heading: 'Not done', text: e.message }),
    );
  }, [api, kind, offset, route]);
  useEffect(load, [load]);

  const ids = (): string[] => (selected === 'all' ? (page?.records ?? []).map((r) => r.id) : [...selected].map(String));
  const act = (what: () => Promise<{ report: ChangeReport }>) => {
    setBusy(true);
    what().then(
      ({ report }) => (setMessage({ ...verdictOf(report), text: describe(report) + (report.errors.length ? `; ${report.errors.length} store error(s)` : '') }), setSelected(new Set()), setBusy(false), load()),
      (e: Error) => (setMessage({ variant: 'negative', heading: 'Not done', text: e.message }), setBusy(false)),
    );
  };
  const count = ids().length;

  return (
    <Flex direction="column" gap="size-200">
      <Flex gap="size-200" alignItems="end" wrap>
        <Picker label="Records" selectedKey={kind} onSelectionChange={(k) => (setKind(k as Kind), setOffset(0), setSelected(new Set()))}>
          <Item key="parked">Parked</Item>
          <Item key="dead">Dead letters</Item>
          <Item key="stale">Stale (delivered long ago)</Item>
        </Picker>
        <TextField label="Route" value={route} onChange={(v) => (setRoute(v), setOffset(0))} description="Empty: every route" />
        <ActionButton onPress={load}>Refresh</ActionButton>
      </Flex>
      {message && (
        <InlineAlert variant={message.variant} data-testid="records-message">
          <Heading>{message.heading}</Heading>
          <Content>{message.text}</Content>
        </InlineAlert>
      )}
      {page?.errors.length ? <Text>{page.errors.length} record(s) could not be read from the store.</Text> : null}
      {kind === 'stale' ? <Text>Events delivered longer ago than the relay remembers hand-offs: never replayed automatically, and each expires at the time shown.</Text> : null}
      <TableView aria-label={KIND_LABEL[kind]} selectionMode="multiple" selectedKeys={selected} onSelectionChange={setSelected} density="compact" height="size-4600" renderEmptyState={() => <Text>Nothing {kind === 'parked' ? 'parked' : kind === 'stale' ? 'stale' : 'dead-lettered'}{route ? ` for route ${route}` : ''}.</Text>}>
        <TableHeader>
          <Column key="route">Route</Column>
          <Column key="target">Target</Column>
          <Column key="stream">Stream</Column>
          <Column key="reason" width="2fr">Reason / last error</Column>
          <Column key="age" align="end">Age</Column>
          <Column key="expires">Expires</Column>
          <Column key="attempts" align="end">Attempts</Column>
          <Column key="events" align="end">Events</Column>
          <Column key="open" align="end">Record</Column>
        </TableHeader>
        <TableBody items={page?.records ?? []}>
          {(r) => (
            <Row key={r.id}>
              <Cell>{r.route ?? '—'}</Cell>
              <Cell>{r.target ?? '—'}</Cell>
              <Cell>{r.stream ?? '—'}</Cell>
              <Cell>{r.reason}</Cell>
              <Cell>{age(r.ageSeconds)}</Cell>
              <Cell>{r.expiresAt.slice(0, 16).replace('T', ' ')} UTC</Cell>
              <Cell>{r.attempts}</Cell>
              <Cell>{r.events}</Cell>
              <Cell>
                <ActionButton isQuiet aria-label={`Show record ${r.id}`} onPress={() => api.record(kind, r.id).then((x) => setOpen(x.record), (e: Error) => setMessage({ variant: 'negative', heading: 'Not done', text: e.message }))}>
                  Show
                </ActionButton>
              </Cell>
            </Row>
          )}
        </TableBody>
      </TableView>
      <Flex gap="size-100" alignItems="center" wrap>
        <ActionButton isDisabled={offset === 0} onPress={() => setOffset(Math.max(0, offset - PAGE))}>Previous page</ActionButton>
        <Text>{page ? `${page.records.length ? `${offset + 1}–${offset + page.records.length}` : '0'}${page.next !== undefined ? ' of more' : ''}` : ''}</Text>
        <ActionButton isDisabled={page?.next === undefined} onPress={() => page?.next !== undefined && setOffset(page.next)}>Next page</ActionButton>
      </Flex>
      <Divider size="S" />
      <ButtonGroup>
        <ReplayButton variant="accent" label={`Replay selected (${count})`} disabled={busy || count === 0} stale={kind === 'stale'} onReplay={(s) => act(() => api.replay(kind, { ids: ids(), ...(s ? { includeStale: true as const } : {}) }))} />
        <ReplayButton variant="primary" label={`Replay all for route ${route.trim() || '…'}`} disabled={busy || !route.trim()} stale={kind === 'stale'} onReplay={(s) => act(() => api.replay(kind, { route: route.trim(), ...(s ? { includeStale: true as const } : {}) }))} />
        <DialogTrigger>
          <Button variant="negative" isDisabled={busy || count === 0}>
            Discard selected ({count})
          </Button>
          <AlertDialog variant="destructive" title={`Discard ${count} record(s)?`} primaryActionLabel="Discard" cancelLabel="Cancel" onPrimaryAction={() => act(() => api.discard(kind, ids()))}>
            Their events are deleted from the relay and will not be handed off to any route. This cannot be undone.
          </AlertDialog>
        </DialogTrigger>
      </ButtonGroup>
      <DialogContainer onDismiss={() => setOpen(undefined)}>
        {open && (
          <Dialog isDismissable>
            <Heading>Record {open.id}</Heading>
            <Content>
              <Text>
                {open.route ? `route ${open.route} · ` : ''}
                {open.payload ? ('action' in open.payload ? `target ${open.payload.action} · ` : '') : open.target ? `target ${open.target} · ` : ''}
                {open.stream ?? ''} · stored {open.storedAt} · {open.attempts} attempt(s) · {open.reason}
              </Text>
              <pre style={{ maxHeight: 420, overflow: 'auto', fontSize: 12 }} data-testid="record-json" tabIndex={0} aria-label="The record's events as JSON">
                {open.payload
                  ? JSON.stringify('events' in open.payload ? open.payload.events : open.payload.element, null, 2)
                  : `Kept whole in overflow storage (${open.overflow.path}, ${open.overflow.bytes} bytes, sha256 ${open.overflow.sha256}): larger than a console answer can carry. Replay re-drives it whole.`}
              </pre>
            </Content>
          </Dialog>
        )}
      </DialogContainer>
    </Flex>
  );
}

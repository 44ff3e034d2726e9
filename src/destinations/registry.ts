/**
 * DESTINATIONS: a JSON object, destination name → `{ "kind": …, … }`, read
 * only by the `destination` action (and `npm run check-config`). Each kind's
 * module parses its own fields and builds its Destination; adding a kind is
 * one line in KINDS below.
 *
 *   DESTINATIONS={"crm": {"kind": "webhook", "url": "https://hooks.example.com/marketo", "secret": "whsec_…"},
 *                 "oncall": {"kind": "slack", "url": "https://hooks.slack.com/services/…"},
 *                 "warehouse": {"kind": "postgres", "url": "postgres://…", "table": "marketo_events"}}
 *
 * `local`: the local runtime or a test (src/runtime/activation.ts `where` is
 * not `runtime`): loopback `http:` URLs are accepted. Errors never quote a URL
 * or a secret.
 */
import { isObject } from '../envelope/fields';
import { DESTINATION_KINDS, type Destination, type DestinationKind } from './destination';
import { createPostgresDestination, parsePostgresConfig } from './postgres';
import { createSlackDestination, parseSlackConfig } from './slack';
import { createTeamsDestination, parseTeamsConfig } from './teams';
import { createWebhookDestination, parseWebhookConfig } from './webhook';

type Parsed<C> = { ok: true; value: C } | { ok: false; errors: string[] };

interface KindModule<C> {
  parse(raw: unknown, o: { local: boolean }): Parsed<C>;
  create(name: string, config: C): Destination;
}

/** A kind as the registry holds it: its config type erased once parsed and created by the same module. */
const kind = <C>(m: KindModule<C>): KindModule<unknown> => m as KindModule<unknown>;

/** The kinds this build delivers to: one line per kind. */
const KINDS: Partial<Record<DestinationKind, KindModule<unknown>>> = {
  webhook: kind({ parse: parseWebhookConfig, create: createWebhookDestination }),
  slack: kind({ parse: parseSlackConfig, create: createSlackDestination }),
  teams: kind({ parse: parseTeamsConfig, create: createTeamsDestination }),
  postgres: kind({ parse: parsePostgresConfig, create: createPostgresDestination }),
};

export const availableKinds = (): DestinationKind[] => DESTINATION_KINDS.filter((k) => KINDS[k] !== undefined);

export interface DestinationEntry {
  name: string;
  kind: DestinationKind;
  /** a new Destination (its own connections): the action keeps one per container */
  create(): Destination;
}

export type DestinationTable = Map<string, DestinationEntry>;

export const DESTINATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** DESTINATIONS as its JSON text (the action input) or already parsed. */
export function parseDestinations(source: unknown, o: { local: boolean }): { ok: true; value: DestinationTable } | { ok: false; errors: string[] } {
  let raw = source;
  if (typeof source === 'string') {
    try {
      raw = JSON.parse(source);
    } catch (err) {
      return { ok: false, errors: [`DESTINATIONS is not valid JSON: ${(err as Error).message}`] };
    }
  }
  if (!isObject(raw)) return { ok: false, errors: ['DESTINATIONS must be a JSON object: destination name → {"kind": …}'] };
  const errors: string[] = [];
  const table: DestinationTable = new Map();
  for (const [name, def] of Object.entries(raw)) {
    const where = `DESTINATIONS.${name.slice(0, 64)}`;
    if (!DESTINATION_NAME.test(name)) {
      errors.push(`${where}: a name is 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit`);
      continue;
    }
    const k = isObject(def) ? def.kind : undefined;
    const m = typeof k === 'string' ? KINDS[k as DestinationKind] : undefined;
    if (!m) {
      errors.push(`${where}: kind must be one of ${availableKinds().join(', ')}, got ${JSON.stringify(k)}`);
      continue;
    }
    const parsed = m.parse(def, o);
    if (!parsed.ok) {
      errors.push(...parsed.errors.map((e) => `${where} (${k}): ${e}`));
      continue;
    }
    table.set(name, { name, kind: k as DestinationKind, create: () => m.create(name, parsed.value) });
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: table };
}

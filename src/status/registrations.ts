/**
 * Adobe's view of our registrations: `getRegistration` of `@adobe/aio-lib-events`
 * (`enabled`, `webhook_status` such as verified / hook_unreachable), with an
 * access token from Adobe IMS (OAuth server-to-server client credentials),
 * cached until shortly before it expires. Both base URLs are configuration so
 * the tests run against local fakes. Failures become part of the report; the
 * client secret and the token are never logged.
 */
export interface RegistrationHealth {
  id: string;
  name?: string;
  enabled?: boolean;
  webhookStatus?: string;
  deliveryType?: string;
  error?: string;
}

export interface AdobeApiConfig {
  orgId: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  consumerOrgId: string;
  projectId: string;
  workspaceId: string;
  registrationIds: string[];
  imsUrl: string;
  eventsApiUrl: string;
}

/** An input's text; unset, empty or an unexpanded `$VAR` is ''. */
const inputText = (inputs: Record<string, unknown>, k: string): string =>
  typeof inputs[k] === 'string' && !String(inputs[k]).startsWith('$') ? String(inputs[k]).trim() : '';

const REQUIRED = ['ADOBE_ORG_ID', 'ADOBE_CLIENT_ID', 'ADOBE_CLIENT_SECRET', 'ADOBE_CONSUMER_ORG_ID', 'ADOBE_PROJECT_ID', 'ADOBE_WORKSPACE_ID', 'ADOBE_REGISTRATION_IDS'] as const;

/** The Adobe API settings, or undefined when they are not all configured. */
export function adobeApiConfig(inputs: Record<string, unknown>): AdobeApiConfig | undefined {
  const v = (k: string): string => inputText(inputs, k);
  const ims = imsCredential(inputs);
  if (!ims || REQUIRED.some((k) => !v(k))) return undefined;
  return {
    ...ims,
    orgId: v('ADOBE_ORG_ID'),
    consumerOrgId: v('ADOBE_CONSUMER_ORG_ID'),
    projectId: v('ADOBE_PROJECT_ID'),
    workspaceId: v('ADOBE_WORKSPACE_ID'),
    registrationIds: v('ADOBE_REGISTRATION_IDS').split(',').map((s) => s.trim()).filter(Boolean),
    eventsApiUrl: (v('ADOBE_EVENTS_API_URL') || 'https://api.adobe.io').replace(/\/+$/, ''),
  };
}

const tokens = new Map<string, { token: string; until: number }>();

/** An IMS access token for the credential, cached until 5 minutes before expiry. */
export type ImsCredential = Pick<AdobeApiConfig, 'imsUrl' | 'clientId' | 'clientSecret' | 'scopes'>;

export function imsCredential(inputs: Record<string, unknown>): ImsCredential | undefined {
  const v = (k: string): string => inputText(inputs, k);
  if (!v('ADOBE_CLIENT_ID') || !v('ADOBE_CLIENT_SECRET')) return undefined;
  return {
    clientId: v('ADOBE_CLIENT_ID'),
    clientSecret: v('ADOBE_CLIENT_SECRET'),
    scopes: v('ADOBE_SCOPES') || 'adobeio_api,openid,AdobeID,read_organizations',
    imsUrl: (v('ADOBE_IMS_URL') || 'https://ims-na1.adobelogin.com').replace(/\/+$/, ''),
  };
}

export async function imsAccessToken(c: ImsCredential, now = Date.now()): Promise<string> {
  const key = `${c.imsUrl}|${c.clientId}`;
  const hit = tokens.get(key);
  if (hit && hit.until > now) return hit.token;
  const res = await fetch(`${c.imsUrl}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope: c.scopes }).toString(),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`IMS token request answered HTTP ${res.status}`);
  const body = (await res.json()) as { access_token?: string; expires_in?: number };
  if (!body.access_token) throw new Error('IMS answered without an access token');
  tokens.set(key, { token: body.access_token, until: now + Math.max(60, (body.expires_in ?? 3600) - 300) * 1000 });
  return body.access_token;
}

type EventsClient = { getRegistration(consumerOrgId: string, projectId: string, workspaceId: string, registrationId: string): Promise<Record<string, unknown>> };

/** Reads every configured registration; each failure is reported on its own registration. */
export async function readRegistrations(c: AdobeApiConfig): Promise<RegistrationHealth[]> {
  let client: EventsClient;
  try {
    const token = await imsAccessToken(c);
    const events = (await import('@adobe/aio-lib-events')) as unknown as { init(org: string, key: string, token: string, http?: object): Promise<EventsClient> };
    client = await events.init(c.orgId, c.clientId, token, { eventsBaseURL: c.eventsApiUrl, timeout: 5000 });
  } catch (err) {
    return c.registrationIds.map((id) => ({ id, error: `cannot reach the I/O Events API: ${(err as Error).message.split('\n')[0].slice(0, 160)}` }));
  }
  return Promise.all(
    c.registrationIds.map(async (id): Promise<RegistrationHealth> => {
      try {
        const r = await client.getRegistration(c.consumerOrgId, c.projectId, c.workspaceId, id);
        return {
          id,
          name: typeof r.name === 'string' ? r.name : undefined,
          enabled: typeof r.enabled === 'boolean' ? r.enabled : undefined,
          webhookStatus: typeof r.webhook_status === 'string' ? r.webhook_status : undefined,
          deliveryType: typeof r.delivery_type === 'string' ? r.delivery_type : undefined,
        };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        return { id, error: `${e.code ?? 'error'}: ${(e.message ?? '').split('\n')[0].slice(0, 160)}` };
      }
    }),
  );
}

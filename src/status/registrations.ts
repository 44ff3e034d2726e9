/**
 * Adobe's view of our registrations: `getRegistration` of `@adobe/aio-lib-events`
 * (`enabled`, `webhook_status` such as verified / hook_unreachable), with an
 * access token for the workspace's OAuth server-to-server credential, which the
 * `include-ims-credentials` annotation hands to the action (src/ims/credential).
 * The events API base URL is configuration so the tests run against a local fake.
 * Failures become part of the report; the client secret and the token are never logged.
 */
import { imsAccessToken, imsCredential, type ImsCredential } from '../ims/credential';

export interface RegistrationHealth {
  id: string;
  name?: string;
  enabled?: boolean;
  webhookStatus?: string;
  deliveryType?: string;
  error?: string;
}

export interface AdobeApiConfig {
  ims: ImsCredential;
  consumerOrgId: string;
  projectId: string;
  workspaceId: string;
  registrationIds: string[];
  eventsApiUrl: string;
}

/** An input's text; unset, empty or an unexpanded `$VAR` is ''. */
const inputText = (inputs: Record<string, unknown>, k: string): string =>
  typeof inputs[k] === 'string' && !String(inputs[k]).startsWith('$') ? String(inputs[k]).trim() : '';

const REQUIRED = ['ADOBE_CONSUMER_ORG_ID', 'ADOBE_PROJECT_ID', 'ADOBE_WORKSPACE_ID', 'ADOBE_REGISTRATION_IDS'] as const;

/** The Adobe API settings, or undefined when they (or the annotation's credential) are not all there. */
export function adobeApiConfig(inputs: Record<string, unknown>): AdobeApiConfig | undefined {
  const v = (k: string): string => inputText(inputs, k);
  const ims = imsCredential(inputs);
  if (!ims || REQUIRED.some((k) => !v(k))) return undefined;
  return {
    ims,
    consumerOrgId: v('ADOBE_CONSUMER_ORG_ID'),
    projectId: v('ADOBE_PROJECT_ID'),
    workspaceId: v('ADOBE_WORKSPACE_ID'),
    registrationIds: v('ADOBE_REGISTRATION_IDS').split(',').map((s) => s.trim()).filter(Boolean),
    eventsApiUrl: (v('ADOBE_EVENTS_API_URL') || 'https://api.adobe.io').replace(/\/+$/, ''),
  };
}

type EventsClient = { getRegistration(consumerOrgId: string, projectId: string, workspaceId: string, registrationId: string): Promise<Record<string, unknown>> };

/** Reads every configured registration; each failure is reported on its own registration. */
export async function readRegistrations(c: AdobeApiConfig): Promise<RegistrationHealth[]> {
  let client: EventsClient;
  try {
    const token = await imsAccessToken(c.ims);
    const events = (await import('@adobe/aio-lib-events')) as unknown as { init(org: string, key: string, token: string, http?: object): Promise<EventsClient> };
    client = await events.init(c.ims.orgId, c.ims.clientId, token, { eventsBaseURL: c.eventsApiUrl, timeout: 5000 });
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

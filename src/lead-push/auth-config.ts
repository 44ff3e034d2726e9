/**
 * The push authentication built from configuration once per container, so the
 * JWKS and introspection caches live as long as the container does.
 */
import type { Config } from '../config';
import type { Log } from '../log';
import { describePushAuth, pushAuthWarning, type PushAuth } from './authenticate';
import { createIntrospector } from './introspection';
import { createJwtVerifier, type SharedJwksStore } from './oauth-jwt';

const built = new WeakMap<Config['leadPush'], PushAuth>();

/** `shared`: where the IdP's key set is kept across containers (the relay's shared store), if any. */
export function pushAuthFor(config: Config, log: Log, shared?: SharedJwksStore): PushAuth {
  const c = config.leadPush;
  let auth = built.get(c);
  if (!auth) {
    auth = {
      tokens: c.tokens,
      ...(c.jwksUrl
        ? { jwt: createJwtVerifier({ jwksUrl: c.jwksUrl, issuer: c.issuer, audience: c.audience, clockSkewSeconds: c.clockSkewSeconds, timeoutMs: c.idpTimeoutMs, shared }) }
        : {}),
      ...(c.introspectionUrl && c.clientId && c.clientSecret
        ? { introspect: createIntrospector({ url: c.introspectionUrl, clientId: c.clientId, clientSecret: c.clientSecret, timeoutMs: c.idpTimeoutMs, clockSkewSeconds: c.clockSkewSeconds }) }
        : {}),
    };
    built.set(c, auth);
    const warning = pushAuthWarning(auth);
    if (warning) log.warn(warning);
    else log.info('lead-activity push authentication', { methods: describePushAuth(auth) });
  }
  return auth;
}

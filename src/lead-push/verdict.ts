/** The answer of a token check (JWT or introspection). */
export type TokenVerdict =
  | { ok: true; subject?: string; clientId?: string; expiresAt?: number }
  /** invalid → 401; unavailable (IdP unreachable) → 503 */
  | { ok: false; reason: 'invalid' | 'unavailable'; code: string; message: string };

export const invalid = (code: string, message: string): TokenVerdict => ({ ok: false, reason: 'invalid', code, message });
export const unavailable = (message: string): TokenVerdict => ({ ok: false, reason: 'unavailable', code: 'idp_unavailable', message });

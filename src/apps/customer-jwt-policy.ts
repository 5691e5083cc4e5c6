// An app's customer-token policy (§2.1 `customerJwt`) as the API reads and
// shows it: only the rules that are set, and a PATCH that merges into it
// (RFC 7396): `null` for the whole object removes every rule, `null` for one
// rule removes that rule, and what is not sent stays. The rules themselves are
// applied in src/sessions/customer-token-policy.ts.
import type { CustomerJwtPolicy } from '../store/records.js';

export type CustomerJwtPatch = {
  audience?: string | null;
  issuer?: string | null;
  singleUse?: boolean | null;
} | null;

const RULES = ['audience', 'issuer', 'singleUse'] as const;

/** The policy after `patch` (undefined: unchanged). Rules in one fixed order, so equal policies print alike. */
export function mergeCustomerJwt(current: CustomerJwtPolicy, patch: CustomerJwtPatch | undefined): CustomerJwtPolicy {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const merged: Record<string, unknown> = {};
  for (const rule of RULES) {
    const value = patch[rule] === undefined ? current[rule] : patch[rule];
    if (value !== undefined && value !== null) merged[rule] = value;
  }
  return merged as CustomerJwtPolicy;
}

// The management API key. Only its SHA-256 is kept: in memory when the operator
// sets MANAGE_API_KEY, in the settings table when latchkey generated it on a
// development machine's first start (printed once, never again).
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { secretDigest as sha256, secretMatches } from '../secret-digest.js';
import type { Store } from '../store/store.js';

const SETTING = 'manage_api_key_sha256';

export interface ManageKey {
  /** SHA-256 of the key, never the key itself. */
  readonly hash: Buffer;
  /** Set only when the key was generated just now and must be shown once. */
  readonly generated?: string;
}

export async function resolveManageKey(store: Store, config: Pick<Config, 'manageApiKey'>): Promise<ManageKey> {
  if (config.manageApiKey) return { hash: sha256(config.manageApiKey) };
  const stored = await store.settings.get(SETTING);
  if (stored) return { hash: Buffer.from(stored, 'hex') };
  const generated = `lk_manage_${randomBytes(32).toString('base64url')}`;
  const hash = sha256(generated);
  // A second process starting at the same moment keeps the first one's key.
  if (await store.settings.putIfAbsent(SETTING, hash.toString('hex'))) return { hash, generated };
  return resolveManageKey(store, config);
}

/** Constant-time check of a presented key (../secret-digest.ts). */
export function manageKeyMatches(key: ManageKey, presented: string): boolean {
  return secretMatches(key.hash, presented);
}

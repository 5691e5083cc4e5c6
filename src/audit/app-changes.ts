// What an app.updated event lists (§2.4): each field of the app resource whose
// value changed, `updatedAt` aside, by dotted path for nested fields
// (config.webClient.allowAnonymous), arrays whole, null for an absent value.
type Flat = Map<string, unknown>;

function flatten(value: unknown, path: string, out: Flat): Flat {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, value === undefined ? null : value);
  }
  return out;
}

const IGNORED = new Set(['updatedAt']);

/** The changed fields as `{path: {from, to}}`, or null when nothing changed. */
export function appChanges(before: object, after: object): Record<string, { from: unknown; to: unknown }> | null {
  const from = flatten(before, '', new Map());
  const to = flatten(after, '', new Map());
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const path of new Set([...from.keys(), ...to.keys()])) {
    if (IGNORED.has(path)) continue;
    const a = from.get(path) ?? null;
    const b = to.get(path) ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[path] = { from: a, to: b };
  }
  return Object.keys(changes).length ? changes : null;
}

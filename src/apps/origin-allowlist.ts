// The Origin allowlist of contract §4.1, as pure functions: entry validation and
// normalization (at write time) and request-Origin matching (on every session
// request). An entry is `[http://](*.)?host[:port]`, stored lower case with IDN
// hosts as punycode.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// What an entry may look like before the URL parser sees it: an optional scheme,
// an optional `*.`, then one host[:port] with nothing that could be a path,
// query, fragment, userinfo, whitespace or a second wildcard.
const ENTRY_SHAPE = /^(?<scheme>https?:\/\/)?(?<wildcard>\*\.)?(?<hostport>[^\s/?#@*\\]+)$/i;

export type EntryResult = { ok: true; entry: string } | { ok: false; reason: string };

/** Validates one allowlist entry and returns its stored (normalized) form. */
export function normalizeEntry(raw: string): EntryResult {
  const shape = ENTRY_SHAPE.exec(raw);
  if (!shape?.groups) {
    return { ok: false, reason: 'must be a host, host:port or *.host, with an optional http:// prefix' };
  }
  const { scheme, wildcard, hostport } = shape.groups as { scheme?: string; wildcard?: string; hostport: string };
  const plainHttp = scheme?.toLowerCase() === 'http://';
  let url: URL;
  try {
    url = new URL(`${plainHttp ? 'http' : 'https'}://${hostport}`);
  } catch {
    return { ok: false, reason: 'is not a valid host' };
  }
  const host = url.hostname;
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return { ok: false, reason: 'must not contain a path, query or credentials' };
  }
  if (host.endsWith('.') || host.startsWith('.') || host.includes('..')) {
    return { ok: false, reason: 'must not have empty labels or a trailing dot' };
  }
  if (wildcard) {
    if (host.startsWith('[') || /^[\d.]+$/.test(host)) {
      return { ok: false, reason: 'a wildcard cannot apply to an IP address' };
    }
    // `*.com` would let every site on a public suffix in.
    if (host.split('.').length < 2) {
      return { ok: false, reason: 'a wildcard needs a domain of at least two labels' };
    }
  }
  // URL drops a default port (":443"), so it never reaches the stored entry.
  const port = url.port ? `:${url.port}` : '';
  return { ok: true, entry: `${plainHttp ? 'http://' : ''}${wildcard ? '*.' : ''}${host}${port}` };
}

interface ParsedOrigin {
  scheme: 'http' | 'https';
  host: string;
  /** '' for the scheme's default port. */
  port: string;
}

/**
 * A request Origin is trusted only in canonical form: exactly what
 * `new URL(origin).origin` gives back. That refuses `null`, paths, userinfo,
 * upper case, explicit default ports and several Origin headers joined by a comma.
 */
export function parseRequestOrigin(origin: string | undefined): ParsedOrigin | null {
  if (!origin || origin.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return { scheme: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, port: url.port };
}

interface Rule {
  plainHttp: boolean;
  wildcard: boolean;
  host: string;
  port: string;
}

function parseStoredEntry(entry: string): Rule {
  const plainHttp = entry.startsWith('http://');
  let rest = plainHttp ? entry.slice('http://'.length) : entry;
  const wildcard = rest.startsWith('*.');
  if (wildcard) rest = rest.slice(2);
  const portAt = rest.lastIndexOf(':');
  // An IPv6 literal ends with `]`; only a colon after it starts a port.
  const hasPort = portAt > rest.lastIndexOf(']');
  return {
    plainHttp,
    wildcard,
    host: hasPort ? rest.slice(0, portAt) : rest,
    port: hasPort ? rest.slice(portAt + 1) : '',
  };
}

function ruleMatches(rule: Rule, origin: ParsedOrigin): boolean {
  const loopback = LOOPBACK_HOSTS.has(rule.host);
  if (origin.scheme === 'http' && !rule.plainHttp && !loopback) return false;
  if (rule.port ? origin.port !== rule.port : origin.port !== '' && !loopback) return false;
  if (rule.wildcard) {
    // Any depth of subdomain, never the bare domain itself.
    return origin.host.length > rule.host.length + 1 && origin.host.endsWith(`.${rule.host}`);
  }
  return origin.host === rule.host;
}

export type OriginMatcher = (origin: string | undefined) => boolean;

/**
 * Compiles stored entries into a matcher, once per app version: origins an
 * exact entry allows go into a Set, so the common case is one lookup.
 */
export function compileAllowlist(entries: readonly string[]): OriginMatcher {
  const exact = new Set<string>();
  const rules: Rule[] = [];
  for (const entry of entries) {
    const rule = parseStoredEntry(entry);
    if (rule.wildcard || LOOPBACK_HOSTS.has(rule.host)) {
      rules.push(rule);
      continue;
    }
    const hostport = rule.port ? `${rule.host}:${rule.port}` : rule.host;
    exact.add(`https://${hostport}`);
    if (rule.plainHttp) exact.add(`http://${hostport}`);
  }
  return (origin) => {
    // Every member of `exact` is canonical, so a hit needs no parsing.
    if (origin !== undefined && exact.has(origin)) return true;
    if (rules.length === 0) return false;
    const parsed = parseRequestOrigin(origin);
    return parsed !== null && rules.some((rule) => ruleMatches(rule, parsed));
  };
}

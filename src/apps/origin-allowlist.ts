// The Origin allowlist of contract §4.1, as pure functions: entry validation and
// normalization (at write time) and request-Origin matching (on every session
// request). An entry is `[http://](*.)?host[:port]`, stored lower case with IDN
// hosts as punycode.
//
// Whether a wildcard's host is a public suffix is the Public Suffix List's
// call, its private section included (`*.github.io` would let in every
// GitHub Pages site): tldts carries the list with its wildcard and exception
// rules and is kept current by its maintainers; the list changes too often
// to be written down here.
import { getPublicSuffix } from 'tldts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// What an entry may look like before any host parsing: an optional scheme, an
// optional `*.`, one host (a bracketed IPv6 literal or a run of characters that
// could be a name) and an optional port — nothing that could be a path, query,
// fragment, userinfo or a second wildcard.
const ENTRY_SHAPE =
  /^(?<scheme>https?:\/\/)?(?<wildcard>\*\.)?(?<host>\[[^\]]*\]|[^:/?#@*\\[\]]+)(?::(?<port>[^/?#@]*))?$/i;
// RFC 1123 §2.1 / RFC 5890 §2.3.1: letters, digits and inner hyphens, 1–63 octets.
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_DNS_NAME = 253;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const PORT = /^[1-9]\d{0,4}$/;

export type EntryResult = { ok: true; entry: string } | { ok: false; reason: string };

const refuse = (reason: string): EntryResult => ({ ok: false, reason });

type HostResult = { ok: true; host: string; ip: boolean } | { ok: false; reason: string };

/**
 * The stored form of an entry's host. The URL parser does the IDN conversion
 * (UTS #46, punycode) and lower-casing; what it would quietly rewrite instead
 * of refuse — `%41` to `a`, `0x7f.1` or `2130706433` to `127.0.0.1`, `a_b`
 * kept as it is — is refused here, so an app stores the host it was given or
 * an error, never a different host.
 */
function normalizeHost(raw: string): HostResult {
  if (raw.includes('%')) return { ok: false, reason: 'must not contain percent-escapes' };
  let host: string;
  try {
    host = new URL(`https://${raw}`).hostname;
  } catch {
    return { ok: false, reason: raw.startsWith('[') ? 'is not a valid IPv6 address' : 'is not a valid host name' };
  }
  // IPv6: the browser sends the compressed lower-case form (RFC 5952), which is
  // the one stored and matched; it names the same address as any other spelling.
  if (host.startsWith('[')) return { ok: true, host, ip: true };
  if (DOTTED_QUAD.test(host)) {
    // Only the dotted-decimal spelling: `127.1` or `0x7f.0.0.1` read as a name
    // in one parser and as an address in another.
    if (raw !== host) return { ok: false, reason: 'an IPv4 address must be written as four decimal numbers' };
    return { ok: true, host, ip: true };
  }
  if (host.length > MAX_DNS_NAME) return { ok: false, reason: `must be at most ${MAX_DNS_NAME} characters as a DNS name` };
  if (!host.split('.').every((label) => DNS_LABEL.test(label))) {
    return {
      ok: false,
      reason: 'must be a DNS host name: labels of letters, digits and inner hyphens, 1-63 characters each',
    };
  }
  return { ok: true, host, ip: false };
}

/** Validates one allowlist entry and returns its stored (normalized) form. */
export function normalizeEntry(raw: string): EntryResult {
  if (raw === '') return refuse('must not be empty');
  if (/\s/.test(raw)) return refuse('must not contain whitespace');
  const shape = ENTRY_SHAPE.exec(raw);
  if (!shape?.groups) {
    return refuse('must be a host, host:port or *.host, with an optional http:// prefix and nothing else');
  }
  const { scheme, wildcard, host: rawHost, port: rawPort } = shape.groups as Record<string, string | undefined>;
  const plainHttp = scheme?.toLowerCase() === 'http://';
  if (rawPort !== undefined && !(PORT.test(rawPort) && Number(rawPort) <= 65535)) {
    return refuse('port must be a number from 1 to 65535, without leading zeros');
  }
  const host = normalizeHost(rawHost!);
  if (!host.ok) return host;
  if (wildcard) {
    if (host.ip) return refuse('a wildcard cannot apply to an IP address');
    // `*.com`, `*.co.uk` or `*.github.io` would let in every site under it. A
    // single label (`*.localhost`) is a suffix too: the list's default rule.
    if (getPublicSuffix(host.host, { allowPrivateDomains: true }) === host.host) {
      return refuse('a wildcard cannot apply to a public suffix (the Public Suffix List): name a domain under it');
    }
  }
  // The scheme's default port is the same origin as no port: stored without it.
  const port = rawPort === undefined || rawPort === (plainHttp ? '80' : '443') ? '' : `:${rawPort}`;
  return { ok: true, entry: `${plainHttp ? 'http://' : ''}${wildcard ? '*.' : ''}${host.host}${port}` };
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

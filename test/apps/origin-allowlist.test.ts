// Contract §4.1: which allowlist entries an app may store, and which request
// Origins they let in. Pure functions, so every case is one table row.
import { describe, expect, it } from 'vitest';
import { compileAllowlist, normalizeEntry, parseRequestOrigin } from '../../src/apps/origin-allowlist.js';

/** Compiles entries as they would be stored: normalized first, as the apps API does. */
function allowlist(...raw: string[]) {
  return compileAllowlist(
    raw.map((entry) => {
      const result = normalizeEntry(entry);
      if (!result.ok) throw new Error(`test entry ${entry} refused: ${result.reason}`);
      return result.entry;
    }),
  );
}

describe('normalizeEntry: what an app may store', () => {
  it.each([
    ['docs.example.com', 'docs.example.com'],
    ['Docs.Example.COM', 'docs.example.com'],
    ['docs.example.com:8443', 'docs.example.com:8443'],
    ['https://docs.example.com', 'docs.example.com'],
    ['docs.example.com:443', 'docs.example.com'],
    ['http://docs.example.com', 'http://docs.example.com'],
    ['HTTP://Docs.example.com', 'http://docs.example.com'],
    ['*.example.com', '*.example.com'],
    ['*.example.com:8443', '*.example.com:8443'],
    ['localhost', 'localhost'],
    ['localhost:3000', 'localhost:3000'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '[::1]'],
    ['[::1]:8080', '[::1]:8080'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['*.bücher.example', '*.xn--bcher-kva.example'],
    // A registrable domain under a public suffix, and a name the list does not know.
    ['*.example.co.uk', '*.example.co.uk'],
    ['*.docs.example.github.io', '*.docs.example.github.io'],
    ['*.www.ck', '*.www.ck'],
    ['*.corp.internal', '*.corp.internal'],
    // An exact entry on a suffix names one site, so it is allowed.
    ['github.io', 'github.io'],
    ['ＤＯＣＳ.example.com', 'docs.example.com'],
    ['a-b.example.com', 'a-b.example.com'],
    ['1password.example', '1password.example'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
    ['203.0.113.5', '203.0.113.5'],
    ['203.0.113.5:8080', '203.0.113.5:8080'],
    ['[2001:DB8::1]', '[2001:db8::1]'],
    ['[2001:db8:0:0:0:0:0:1]:8443', '[2001:db8::1]:8443'],
    ['http://docs.example.com:80', 'http://docs.example.com'],
  ])('stores %j as %j', (raw, stored) => {
    expect(normalizeEntry(raw)).toEqual({ ok: true, entry: stored });
  });

  it.each([
    ['a bare wildcard', '*'],
    ['a wildcard on a public suffix', '*.com'],
    // The Public Suffix List decides, its private section included (§4.1).
    ['a wildcard on a single label the list does not name', '*.localhost'],
    ['a wildcard on a two-label public suffix', '*.co.uk'],
    ['a wildcard on a private-section suffix', '*.github.io'],
    ['a wildcard on a cloud suffix of three labels', '*.s3.amazonaws.com'],
    ['a wildcard on a suffix under a wildcard rule (*.ck)', '*.foo.ck'],
    ['a wildcard on an IDN suffix, as Unicode', '*.公司.cn'],
    ['a wildcard on an IDN suffix, as punycode', '*.xn--55qx5d.cn'],
    ['a wildcard on an upper-case suffix', '*.CO.UK'],
    ['a double wildcard', '*.*.example.com'],
    ['a wildcard on an IPv4 address', '*.127.0.0.1'],
    ['a wildcard on an IPv6 address', '*.[::1]'],
    ['a root path', 'docs.example.com/'],
    ['a path', 'docs.example.com/chat'],
    ['a query', 'docs.example.com?x=1'],
    ['a fragment', 'docs.example.com#top'],
    ['userinfo', 'user@docs.example.com'],
    ['userinfo with a password', 'https://user:pw@docs.example.com'],
    ['leading whitespace', ' docs.example.com'],
    ['trailing whitespace', 'docs.example.com '],
    ['inner whitespace', 'docs .example.com'],
    ['a newline', 'docs.example.com\n'],
    ['an empty string', ''],
    ['a trailing dot', 'docs.example.com.'],
    ['an empty label', 'docs..example.com'],
    ['another scheme', 'ftp://docs.example.com'],
    ['a port out of range', 'docs.example.com:99999'],
    ['a non-numeric port', 'docs.example.com:abc'],
    ['a backslash', 'docs.example.com\\evil.com'],
    // Not DNS host names or IP literals, which the URL parser stored as they
    // were or quietly rewrote into another host.
    ['punctuation only', '!!!'],
    ['a comma', 'a,b.com'],
    ['a semicolon', 'x;y.com'],
    ['a leading hyphen', '-a.com'],
    ['a trailing hyphen', 'a-.com'],
    ['a hyphen ending an inner label', 'docs-.example.com'],
    ['an underscore', 'a_b.com'],
    ['a percent-escape', '%41.com'],
    ['a percent-escaped dot', 'docs%2eexample.com'],
    ['a dollar sign', 'a$b.com'],
    ['a quote', 'a"b.com'],
    ['a label of 64 octets', `${'a'.repeat(64)}.example.com`],
    ['a name over 253 octets', `${'abcdefghi.'.repeat(25)}example`],
    ['a name over 253 octets once converted from IDN', `${'bü.'.repeat(40)}example`],
    ['a wildcard over a name that is not a host', '*.a_b.com'],
    ['an IPv4 address in hex', '0x7f.0.0.1'],
    ['an IPv4 address in two parts', '127.1'],
    ['an IPv4 address as one number', '2130706433'],
    ['an IPv4 address with leading zeros', '127.000.0.1'],
    ['an IPv4 address out of range', '256.0.0.1'],
    ['a bare number', '123'],
    ['an invalid IPv6 literal', '[::g]'],
    ['an IPv6 literal with a zone', '[fe80::1%25eth0]'],
    ['an empty port', 'docs.example.com:'],
    ['port 0', 'docs.example.com:0'],
    ['a port with a leading zero', 'docs.example.com:08443'],
    ['two ports', 'docs.example.com:80:81'],
  ])('refuses %s (%j)', (_name, raw) => {
    const result = normalizeEntry(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toEqual(expect.any(String));
  });
});

describe('parseRequestOrigin: only canonical origins are read', () => {
  it.each([
    ['https://docs.example.com', { scheme: 'https', host: 'docs.example.com', port: '' }],
    ['http://localhost:3000', { scheme: 'http', host: 'localhost', port: '3000' }],
    ['https://[::1]:8080', { scheme: 'https', host: '[::1]', port: '8080' }],
  ])('parses %j', (origin, parsed) => {
    expect(parseRequestOrigin(origin)).toEqual(parsed);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['null', 'null'],
    ['upper case', 'https://Docs.example.com'],
    ['an explicit default https port', 'https://docs.example.com:443'],
    ['an explicit default http port', 'http://docs.example.com:80'],
    ['a path', 'https://docs.example.com/'],
    ['userinfo', 'https://user@docs.example.com'],
    ['two joined origins', 'https://docs.example.com, https://evil.com'],
    ['another scheme', 'ftp://docs.example.com'],
    ['a bare host', 'docs.example.com'],
    ['a query', 'https://docs.example.com?x=1'],
  ])('refuses %s', (_name, origin) => {
    expect(parseRequestOrigin(origin)).toBeNull();
  });
});

describe('compileAllowlist: which Origins an entry lets in', () => {
  const cases: { entry: string; allowed: string[]; refused: string[] }[] = [
    {
      entry: 'docs.example.com',
      allowed: ['https://docs.example.com'],
      refused: [
        'http://docs.example.com',
        'https://docs.example.com:8443',
        'https://a.docs.example.com',
        'https://example.com',
      ],
    },
    {
      entry: 'docs.example.com:8443',
      allowed: ['https://docs.example.com:8443'],
      refused: ['https://docs.example.com', 'http://docs.example.com:8443', 'https://docs.example.com:8444'],
    },
    {
      entry: '*.example.com',
      allowed: ['https://a.example.com', 'https://a.b.example.com', 'https://docs.example.com'],
      refused: [
        'https://example.com',
        'http://a.example.com',
        'https://a.example.com:8443',
        'https://aexample.com',
        'https://a.example.com.evil.com',
      ],
    },
    {
      entry: 'http://docs.example.com',
      allowed: ['http://docs.example.com', 'https://docs.example.com'],
      refused: ['http://docs.example.com:8080', 'http://a.docs.example.com'],
    },
    {
      entry: 'localhost',
      allowed: ['http://localhost', 'https://localhost', 'http://localhost:3000', 'https://localhost:8443'],
      refused: ['http://a.localhost', 'http://localhost.evil.com'],
    },
    {
      entry: 'localhost:3000',
      allowed: ['http://localhost:3000', 'https://localhost:3000'],
      refused: ['http://localhost', 'http://localhost:3001'],
    },
    {
      entry: '127.0.0.1',
      allowed: ['http://127.0.0.1', 'https://127.0.0.1', 'http://127.0.0.1:5173'],
      refused: ['http://127.0.0.2', 'http://localhost'],
    },
    {
      entry: '[::1]',
      allowed: ['http://[::1]', 'https://[::1]', 'http://[::1]:8080'],
      refused: ['http://127.0.0.1', 'http://localhost'],
    },
    {
      entry: '[::1]:8080',
      allowed: ['http://[::1]:8080', 'https://[::1]:8080'],
      refused: ['http://[::1]', 'http://[::1]:8081'],
    },
    {
      entry: 'bücher.example',
      allowed: ['https://xn--bcher-kva.example'],
      refused: ['http://xn--bcher-kva.example'],
    },
  ];

  for (const { entry, allowed, refused } of cases) {
    describe(`entry ${JSON.stringify(entry)}`, () => {
      const matches = allowlist(entry);
      it.each(allowed)('allows %s', (origin) => expect(matches(origin)).toBe(true));
      it.each(refused)('refuses %s', (origin) => expect(matches(origin)).toBe(false));
    });
  }

  describe('lookalikes of an allowed origin are refused', () => {
    const matches = allowlist('docs.example.com', '*.widgets.example.com');
    it.each([
      ['a hyphenated lookalike', 'https://evil-docs.example.com'],
      ['the domain as a prefix of another', 'https://docs.example.com.evil.com'],
      ['a trailing dot', 'https://docs.example.com.'],
      ['a wildcard match with a trailing dot', 'https://a.widgets.example.com.'],
      ['userinfo', 'https://user@docs.example.com'],
      ['upper case', 'https://Docs.example.com'],
      ['an explicit default port', 'https://docs.example.com:443'],
      ['a path', 'https://docs.example.com/'],
      ['null', 'null'],
      ['two joined origins', 'https://docs.example.com, https://evil.com'],
      ['plain http against an https-only entry', 'http://docs.example.com'],
      ['the bare wildcard domain', 'https://widgets.example.com'],
      ['no Origin at all', undefined],
      ['an empty Origin', ''],
    ])('refuses %s', (_name, origin) => {
      expect(matches(origin)).toBe(false);
    });
  });

  it('an app with several entries allows each of them and nothing else', () => {
    const matches = allowlist('docs.example.com', 'http://localhost:3000', '*.example.org');
    expect(matches('https://docs.example.com')).toBe(true);
    expect(matches('http://localhost:3000')).toBe(true);
    expect(matches('https://chat.example.org')).toBe(true);
    expect(matches('https://example.org')).toBe(false);
    expect(matches('http://localhost:3001')).toBe(false);
  });
});

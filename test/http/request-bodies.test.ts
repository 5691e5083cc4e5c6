// Contract §0: what a management request body must be — application/json in
// UTF-8, read the way the body parser reads it — and that its text is stored
// exactly as sent, or refused.
import { gzipSync } from 'node:zlib';
import type { Response } from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { APPS, appBody, appUrl, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

async function appCount(): Promise<number> {
  return (await h.http.get(APPS).set(auth).expect(200)).body.pagination.total;
}

function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
}

function expectDetail(res: Response, path: string, message: RegExp) {
  expectError(res, 400, 'validation_failed');
  expect(res.body.error.details).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
}

/** Sends the body's bytes as they are, whatever the Content-Type says. */
const postRaw = (contentType: string, body: Buffer | string) =>
  h.http
    .post(APPS)
    .set(auth)
    .set('Content-Type', contentType)
    .serialize((b) => b)
    .send(body);

describe('the body’s media type, read as the body parser reads it', () => {
  const utf16Body = Buffer.from(JSON.stringify(appBody()), 'utf16le');

  it('a charset= inside a quoted parameter cannot smuggle UTF-16 past the check', async () => {
    // Regression: a regex found `charset=utf-8` inside the quoted value and let
    // the request through, and the body parser then decoded it as UTF-16.
    const res = await postRaw('application/json; foo="x;charset=utf-8"; charset=utf-16le', utf16Body);
    expectError(res, 415, 'unsupported_media_type');
    expect(await appCount()).toBe(0);
  });

  it('a quoted value that looks like a charset is not the charset either', async () => {
    const res = await postRaw('application/json; foo="charset=utf-8"; charset=utf-16', utf16Body);
    expectError(res, 415, 'unsupported_media_type');
  });

  it.each([
    ['a parameter without a value', 'application/json; charset'],
    ['an unterminated quoted value', 'application/json; charset="utf-8'],
    ['text after a quoted value', 'application/json; charset="utf-8"x'],
    ['text after the type', 'application/json x'],
    ['the charset given twice', 'application/json; charset=utf-8; charset=utf-16'],
    ['a parameter given twice in different case', 'application/json; Charset=utf-8; CHARSET=utf-8'],
    ['two media types', 'application/json, text/plain'],
    ['no subtype', 'application'],
    ['a parameter name with a space', 'application/json; char set=utf-8'],
  ])('refuses %s (%s) with 415', async (_name, contentType) => {
    const res = await postRaw(contentType, JSON.stringify(appBody()));
    expectError(res, 415, 'unsupported_media_type');
    expect(await appCount()).toBe(0);
  });

  it.each([
    'application/json',
    'Application/JSON; Charset=UTF-8',
    'application/json;charset="utf-8"',
    'application/json ; charset=utf-8',
    'application/json; foo="a;b\\"c"; charset=utf-8',
  ])('accepts %s', async (contentType) => {
    const res = await postRaw(contentType, JSON.stringify(appBody()));
    expect(res.status).toBe(201);
  });

  it('a PATCH may be application/merge-patch+json (RFC 7396), other requests may not', async () => {
    const app = await createTestApp(h);
    const patch = JSON.stringify({ name: 'Renamed' });
    const res = await h.http.patch(appUrl(app)).set(auth).set('Content-Type', 'application/merge-patch+json').send(patch);
    expect(res.status).toBe(200);
    expect(res.body.data.name).toBe('Renamed');
    const post = await postRaw('application/merge-patch+json', JSON.stringify(appBody()));
    expectError(post, 415, 'unsupported_media_type');
  });
});

describe('a body that is not valid UTF-8', () => {
  const body = (bad: number[]) => {
    const json = JSON.stringify(appBody({ name: 'NAME' }));
    const at = json.indexOf('NAME');
    return Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bad), Buffer.from(json.slice(at + 4))]);
  };

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an invalid byte', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a surrogate encoded as UTF-8 (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('is refused, not stored with U+FFFD in its place: %s', async (_name, bad) => {
    // Regression: the body parser replaced bad bytes with U+FFFD and the app was created.
    const res = await postRaw('application/json', body(bad));
    expectDetail(res, '', /UTF-8/);
    expect(await appCount()).toBe(0);
  });

  it('is refused after Content-Encoding is undone, too', async () => {
    const res = await h.http
      .post(APPS)
      .set(auth)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((b) => b)
      .send(gzipSync(body([0xff])));
    expectDetail(res, '', /UTF-8/);
  });
});

describe('strings that cannot be stored as sent', () => {
  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', 'x\udc00y'],
    ['a reversed pair', '\udc00\ud800'],
    ['U+0000', 'a\u0000b'],
  ])('refuses %s in a field, naming it', async (_name, text) => {
    // Regression: the app was created and SQLite stored U+FFFD (or the NUL) instead.
    const res = await h.http.post(APPS).set(auth).send(appBody({ description: text }));
    expectDetail(res, 'description', /surrogate|U\+0000/);
    expect(await appCount()).toBe(0);
  });

  it('refuses them at any depth, in arrays and in keys', async () => {
    const body = JSON.stringify(appBody({ config: { webClient: { allowedDomains: ['ok.example.com', 'a\u0000.example.com'] } } }));
    const nested = await postRaw('application/json', body);
    expectDetail(nested, 'config.webClient.allowedDomains.1', /U\+0000/);

    const key = await postRaw('application/json', `{"name":"x","extra":{"k\\ud800":1}}`);
    expectDetail(key, 'extra.k\ud800', /key .*surrogate/);
    expect(key.text).toContain('"extra.k\\ud800"'); // escaped in the answer, which stays valid UTF-8
  });

  it('checks PATCH bodies too', async () => {
    const app = await createTestApp(h);
    const res = await h.http.patch(appUrl(app)).set(auth).send({ prompt: 'ok \udfff' });
    expectDetail(res, 'prompt', /surrogate/);
    expect((await h.http.get(appUrl(app)).set(auth)).body.data.prompt).toBe('Be concise.');
  });

  it('checks key uploads too, before the key is looked at', async () => {
    const app = await createTestApp(h);
    const res = await h.http
      .post(appUrl(app, '/auth-keys'))
      .set(auth)
      .send({ kid: 'k1', algorithm: 'ES256', publicKey: '-----BEGIN PUBLIC KEY-----\ud800' });
    expectDetail(res, 'publicKey', /surrogate/);
  });

  it('a deeply nested body is refused, never a 500', async () => {
    const deep = `{"name":${'['.repeat(30_000)}"\\ud800"${']'.repeat(30_000)}}`;
    const res = await postRaw('application/json', deep);
    expectError(res, 400, 'validation_failed');
  });
});

describe('text is stored exactly as sent', () => {
  const SAMPLES = {
    name: 'Widget 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧‍👦',
    description: 'Cafe\u0301 n\u0303 Z̸̢͉a̵͎l̴̗g̶̙o — decomposed and combining marks, never normalized to NFC',
    prompt: 'مرحبا بالعالم \u202Eabc\u202C שלום 123 — RTL text and bidi controls; \uFEFF\uFFFD\u2028 too',
    defaultAgentId: '\t tabs, spaces and\nnewlines \r\n kept ',
  };

  it('returns astral characters, combining marks and RTL text byte for byte', async () => {
    const created = await h.http.post(APPS).set(auth).send(appBody(SAMPLES)).expect(201);
    const read = await h.http.get(appUrl(created.body.data)).set(auth).expect(200);
    for (const res of [created, read]) {
      for (const [field, text] of Object.entries(SAMPLES)) {
        expect(res.body.data[field]).toBe(text);
        expect(Buffer.from(res.body.data[field], 'utf8').equals(Buffer.from(text, 'utf8'))).toBe(true);
      }
    }
    expect(Buffer.from(read.text, 'utf8').includes(Buffer.from('Cafe\u0301', 'utf8'))).toBe(true);
  });
});

// §7 from the outside, without a browser: what /admin answers, with which
// headers, for the page, its assets, and everything else an attacker might
// ask for under /admin (other files, traversal, other methods).
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ADMIN_CSP } from '../../src/http/routes/admin-console.js';
import { makeHarness } from '../support/harness.js';

const build = inject('adminConsole');
const script = build.assets.find((f) => f.endsWith('.js'))!;
const style = build.assets.find((f) => f.endsWith('.css'))!;

const SECURITY_HEADERS = {
  'content-security-policy': ADMIN_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function expectSecurityHeaders(res: supertest.Response): void {
  expect(res.headers).toMatchObject(SECURITY_HEADERS);
}

describe('the admin console at /admin', () => {
  let http: ReturnType<typeof supertest>;
  let server: Server;
  beforeAll(async () => {
    const h = await makeHarness();
    const app = createApp(h.svc, { adminConsoleDir: build.outDir });
    http = supertest(app);
    server = createServer(app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  function rawGet(path: string): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    return new Promise((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('serves its page at /admin and /admin/, never cached, with the §7 headers', async () => {
    for (const path of ['/admin', '/admin/']) {
      const res = await http.get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expectSecurityHeaders(res);
      expect(res.text).toContain(`<script type="module" src="/admin/assets/${script}"></script>`);
      expect(res.text).toContain(`<link rel="stylesheet" href="/admin/assets/${style}">`);
    }
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await http.head('/admin');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(res);
    expect(res.text ?? '').toBe('');
  });

  it('holds no inline script or style, which its CSP would refuse', async () => {
    const { text } = await http.get('/admin');
    expect(text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // And nothing from another origin.
    expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves its fingerprinted assets with their type, cached for a year as immutable', async () => {
    for (const [name, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ] as const) {
      expect(name).toMatch(/^console-[A-Z0-9]{8,}\.(js|css)$/);
      const res = await http.get(`/admin/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expectSecurityHeaders(res);
      expect(res.text).toBe(readFileSync(join(build.outDir, 'assets', name), 'utf8'));
    }
  });

  it('keeps its script and style within 100 KiB gzipped (§7)', () => {
    const gzipped = [script, style].reduce((sum, f) => sum + gzipSync(readFileSync(join(build.outDir, 'assets', f))).length, 0);
    expect(gzipped).toBe(build.gzipBytes);
    expect(gzipped).toBeLessThanOrEqual(100 * 1024);
  });

  it.each([
    '/admin/assets/console-UNKNOWN.js',
    '/admin/assets/',
    '/admin/index.html',
    '/admin/nope',
    '/admin/assets/..%2f..%2fpackage.json',
    '/admin/assets/..%2F..%2F..%2Fpackage.json',
    '/admin/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/admin/assets/..%5c..%5cpackage.json',
    '/admin/assets/../../package.json',
    '/admin/../package.json',
    '/admin/assets/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/admin/assets/%00',
    '/admin/assets/.',
    '/admin/assets/index.html',
  ])('answers %s with 404 in the JSON error shape, §7 headers included', async (path) => {
    // Sent as written: an HTTP client library would resolve the dots first.
    const res = await rawGet(path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'not_found', message: 'No such route.' } });
    expect(res.headers).toMatchObject(SECURITY_HEADERS);
  });

  it('answers a malformed escape in an asset name with 400 bad_request, §7 headers included', async () => {
    const res = await rawGet('/admin/assets/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.code).toBe('bad_request');
    expect(res.headers).toMatchObject(SECURITY_HEADERS);
  });

  it('answers other methods with 405 and Allow, §7 headers included', async () => {
    for (const path of ['/admin', '/admin/', `/admin/assets/${script}`]) {
      for (const method of ['post', 'put', 'delete', 'patch'] as const) {
        const res = await http[method](path);
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('GET, HEAD');
        expect(res.body.error.code).toBe('method_not_allowed');
        expectSecurityHeaders(res);
      }
    }
  });
});

describe('ADMIN_CONSOLE=false', () => {
  it('answers /admin and its assets with 404 not_found', async () => {
    const h = await makeHarness({ ADMIN_CONSOLE: 'false' });
    const http = supertest(createApp(h.svc, { adminConsoleDir: build.outDir }));
    for (const path of ['/admin', '/admin/', `/admin/assets/${script}`]) {
      const res = await http.get(path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(res.text).not.toContain('<html');
    }
  });
});

describe('a service whose console was not built', () => {
  it('says so in a 404 instead of failing, and serves the rest', async () => {
    const h = await makeHarness();
    const http = supertest(createApp(h.svc, { adminConsoleDir: join(build.outDir, 'missing') }));
    const res = await http.get('/admin');
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: 'The admin console was not built (npm run build).' });
    expectSecurityHeaders(res);
    expect((await http.get('/healthz')).status).toBe(200);
  });
});

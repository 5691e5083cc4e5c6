// `npm run demo` does what it promises a newcomer: one command, then in a
// browser an anonymous session, a signed-in one, the fallback with its reason,
// and a chat answered by a backend that checked the session.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, launchChromium } from './support.js';

const require = createRequire(import.meta.url);

function startDemo(): Promise<{ child: ChildProcess; siteUrl: string }> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'scripts/demo.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const siteUrl = /customer site \(chat widget\)\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1];
      if (siteUrl) {
        clearTimeout(timer);
        resolve({ child, siteUrl });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${out}`)));
  });
}

describeInBrowser('npm run demo', () => {
  let demo: { child: ChildProcess; siteUrl: string };
  let browser: Browser;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    if (demo?.child.exitCode === null) {
      const exited = new Promise((resolve) => demo.child.once('exit', resolve));
      demo.child.kill('SIGTERM');
      await exited;
    }
  });

  const status = (page: Page) => page.locator('#session-status');

  it('shows an anonymous session, then Alice signed in, then the fallback and its reason; the chat answers', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.siteUrl);
    await expect.poll(() => status(page).textContent(), { timeout: 20_000 }).toBe('Anonymous session');
    expect(await page.locator('#session-user').textContent()).toMatch(/^anon_/);

    await page.getByRole('button', { name: 'Sign in as Alice' }).click();
    await expect.poll(() => status(page).textContent(), { timeout: 20_000 }).toBe('Signed-in session');
    expect(await page.locator('#session-user').textContent()).toBe('alice');

    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('#messages .bot').textContent(), { timeout: 20_000 }).toMatch(/^Hello, Alice\./);

    await page.getByRole('button', { name: 'Sign in with an expired token' }).click();
    await expect
      .poll(() => page.locator('#session-fallback').textContent(), { timeout: 20_000 })
      .toContain('refused (expired)');
    expect(await status(page).textContent()).toBe('Anonymous session');
    await context.close();
  });
});

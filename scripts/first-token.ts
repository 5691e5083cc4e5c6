// Time to first token for a widget using @latchkey/browser, in headless
// Chromium (Debian's, /usr/bin/chromium): a fresh profile per run, the page
// on one origin, the package on a second, latchkey on a third, and
// getSession() timed in the page — the figure the README quotes.
//
//   npm run bench:first-token                 # 21 runs, PoW on at POW_DIFFICULTY 50000, and PoW off
//   npm run bench:first-token -- --runs 51 --difficulty 100000
import { parseArgs } from 'node:util';
import { launchChromium, startCdn, startCustomerSite } from '../test/packages/browser/support.js';
import { POW_SECRET } from '../test/support/harness.js';
import { startLatchkey } from '../test/support/live-service.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '21' }, difficulty: { type: 'string', default: '50000' } },
});
const runs = Number(values.runs);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const cdn = await startCdn();
const browser = await launchChromium();
try {
  for (const [label, env] of [
    [`proof of work at POW_DIFFICULTY ${values.difficulty}`, { POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: values.difficulty }],
    ['no proof of work', {}],
  ] as const) {
    const latchkey = await startLatchkey(env);
    const appId = (await latchkey.createApp({ config: { webClient: { allowedDomains: ['127.0.0.1'] } } })).id;
    const site = await startCustomerSite(latchkey, [appId]);
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${site.url}/?sdk=${encodeURIComponent(`${cdn.url}/index.js`)}`);
      await page.waitForFunction('window.harnessReady === true');
      const result = (await page.evaluate(
        async (options) => {
          const harness = (globalThis as unknown as { harness: Record<string, (arg?: unknown) => unknown> }).harness;
          harness.start!(options);
          return harness.getSession!();
        },
        { baseUrl: latchkey.url, appId },
      )) as { session?: unknown; ms: number };
      if (!result.session) throw new Error(`no session: ${JSON.stringify(result)}`);
      times.push(result.ms);
      await context.close();
    }
    const sorted = times.sort((a, b) => a - b);
    const ms = (p: number) => `${Math.round(percentile(sorted, p))} ms`;
    console.log(`${label}: median ${ms(0.5)} (p10 ${ms(0.1)}, p90 ${ms(0.9)}) over ${runs} fresh profiles`);
    await site.close();
    await latchkey.close();
  }
} finally {
  await browser.close();
  await cdn.close();
}

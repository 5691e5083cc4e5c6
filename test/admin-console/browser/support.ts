// What the console's browser tests share: a live latchkey on this run's store
// serving the console built for the run, its log lines, Chromium, axe-core
// (from node_modules) and screenshots at both widths of §7.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { TEST_STORE } from '../../support/harness.js';
import { startLatchkey, type LiveService } from '../../support/live-service.js';
import { freshPostgresDatabase } from '../../support/postgres.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Git-ignored: the screenshots each run leaves behind. */
export const ARTIFACTS = join(ROOT, 'test-artifacts/admin');
/** The README's screenshot; rewritten only with LATCHKEY_UPDATE_SCREENSHOT=1. */
export const README_SCREENSHOT = join(ROOT, 'docs/admin-console.png');

export interface ConsoleService extends LiveService {
  /** Every line the service logged, as written. */
  logLines: string[];
}

/** A latchkey with the console, on SQLite in memory or a fresh PostgreSQL database. */
export async function startConsoleService(): Promise<ConsoleService> {
  const db = TEST_STORE === 'postgres' ? await freshPostgresDatabase() : undefined;
  const logLines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  const service = await startLatchkey({ DATABASE_URL: db?.url ?? ':memory:' }, '127.0.0.1', {
    adminConsoleDir: inject('adminConsole').outDir,
    logger,
  });
  return {
    ...service,
    logLines,
    async close() {
      await service.close();
      await db?.drop();
    },
  };
}

const axeSource = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');

/**
 * axe-core in every page of a context. The console's CSP refuses inline
 * scripts (page.addScriptTag({content}) included), so axe comes in as an init
 * script, which DevTools runs outside the page's CSP — the page itself keeps it.
 */
export const AXE_INIT_SCRIPT = { content: axeSource };

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe on the page as it is now: no serious or critical violation (§7). */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  // A string, evaluated in the page: the tests are type-checked without the DOM library.
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => ({ target: n.target })) })))`,
  );
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `axe on ${screen}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
}

/** What the page keeps: [sessionStorage entries, localStorage entries, cookies]. */
export const storedInBrowser = (page: Page) => page.evaluate<[number, number, string]>('[sessionStorage.length, localStorage.length, document.cookie]');

/** Screenshots of the screen at 360 px and 1440 px wide, kept as test artifacts. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const before = page.viewportSize();
  for (const width of [360, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    // Usable at that width: nothing wider than the window but the tables' own scrolling regions.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
  }
  if (before) await page.setViewportSize(before);
}

// §3.2 step 5 without HTTP: which proof-of-work solutions are accepted, why the
// others are refused, and that each solved challenge is accepted once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChallenge, verifySolution } from 'altcha-lib/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { sqliteConnection } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { createPowChallenge, type PowConfig } from '../../src/pow/challenge.js';
import { checkProofOfWork } from '../../src/pow/check-proof-of-work.js';
import { createSpentChallenges, type SpentChallenges } from '../../src/pow/spent-challenges.js';
import { verifyPowSolution } from '../../src/pow/verify-solution.js';
import { POW_SECRET, TestClock } from '../support/harness.js';
import { encodeSolution, solve, type SolvedChallenge } from '../support/run-api.js';

const APP = 'app_docswidget01';
const OTHER_APP = 'app_otherwidget1';
const pow: PowConfig = { hmacSecret: POW_SECRET, difficulty: 1000, challengeTtlSeconds: 300 };

let clock: TestClock;
let store: Store;
let spent: SpentChallenges;

beforeEach(async () => {
  clock = new TestClock();
  store = await openStore(':memory:');
  spent = createSpentChallenges(store, clock);
});
afterEach(() => store.close());

async function solved(appId?: string): Promise<SolvedChallenge> {
  return solve(await createPowChallenge(pow, clock, appId));
}

const verify = (solution: Record<string, unknown> | string, appId = APP) =>
  verifyPowSolution(pow, clock, typeof solution === 'string' ? solution : encodeSolution(solution), appId);

const check = (header: string | undefined, appId = APP) => checkProofOfWork({ pow, clock, spent }, header, appId);

const spentRows = () => sqliteConnection(store)!.prepare('SELECT count(*) FROM spent_challenges').pluck().get() as number;

/** Changes the last hex digit, keeping the string valid hex of the same length. */
const flipHex = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');

describe('verifyPowSolution', () => {
  it('accepts a solution found by altcha-lib for a challenge this service issued', async () => {
    const solution = await solved(APP);
    expect(verify(solution)).toEqual({
      ok: true,
      challenge: solution.challenge,
      expiresAtSeconds: clock.seconds + pow.challengeTtlSeconds,
    });
  });

  describe('agrees with altcha-lib verifySolution', () => {
    // altcha's own check reads the wall clock for expiry; the expiry rule is
    // tested separately below, so it is left out of the cross-check.
    const altchaAccepts = (solution: Record<string, unknown>) =>
      verifySolution(encodeSolution(solution), POW_SECRET, false);
    const laterExpiry = (salt: string) => salt.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`);

    it.each([
      ['a valid solution', (s: SolvedChallenge) => s, true],
      ['a wrong number', (s: SolvedChallenge) => ({ ...s, number: s.number + 1 }), false],
      ['a salt with a later expiry', (s: SolvedChallenge) => ({ ...s, salt: laterExpiry(s.salt) }), false],
      ['a salt bound to no app', (s: SolvedChallenge) => ({ ...s, salt: s.salt.replace(/appId=[^&]*&/, '') }), false],
      ['a tampered signature', (s: SolvedChallenge) => ({ ...s, signature: flipHex(s.signature) }), false],
      ['a tampered challenge', (s: SolvedChallenge) => ({ ...s, challenge: flipHex(s.challenge) }), false],
    ])('on %s', async (_name, tamper, valid) => {
      const payload = tamper(await solved(APP));
      expect(await altchaAccepts(payload)).toBe(valid);
      expect(verify(payload).ok).toBe(valid);
      if (!valid) expect(verify(payload)).toEqual({ ok: false, code: 'pow_invalid' });
    });
  });

  it.each(['SHA-1', 'SHA-512'] as const)(
    'refuses a %s challenge even when signed with our secret (altcha itself would accept it)',
    async (algorithm) => {
      const challenge = await createChallenge({
        algorithm,
        hmacKey: POW_SECRET,
        maxnumber: 1000,
        expires: new Date(clock.now() + 300_000),
      });
      const solution = await solve(challenge);
      expect(await verifySolution(encodeSolution(solution), POW_SECRET, false)).toBe(true);
      expect(verify(solution)).toEqual({ ok: false, code: 'pow_invalid' });
    },
  );

  it('refuses a challenge signed with another secret', async () => {
    const foreign = await createPowChallenge({ ...pow, hmacSecret: 'another-secret-0123456789abcdef0123456789' }, clock);
    expect(verify(await solve(foreign))).toEqual({ ok: false, code: 'pow_invalid' });
  });

  it('refuses a signed challenge without an expiry', async () => {
    const challenge = await createChallenge({ algorithm: 'SHA-256', hmacKey: POW_SECRET, maxnumber: 1000 });
    expect(verify(await solve(challenge))).toEqual({ ok: false, code: 'pow_invalid' });
  });

  it('refuses a challenge bound to another app', async () => {
    expect(verify(await solved(OTHER_APP), APP)).toEqual({ ok: false, code: 'pow_invalid' });
  });

  it('accepts an unbound challenge for any app', async () => {
    const solution = await solved();
    expect(verify(solution, APP).ok).toBe(true);
    expect(verify(solution, OTHER_APP).ok).toBe(true);
  });

  it('refuses a solution once its challenge has expired, and not before', async () => {
    const solution = await solved(APP);
    clock.advance(pow.challengeTtlSeconds - 1);
    expect(verify(solution).ok).toBe(true);
    clock.advance(1);
    expect(verify(solution)).toEqual({ ok: false, code: 'pow_expired' });
  });

  it.each([
    ['not base64', '!!!not-base64!!!'],
    ['raw JSON instead of base64', '{"algorithm":"SHA-256"}'],
    ['base64 of non-JSON', Buffer.from('hello world').toString('base64')],
    ['base64 of a JSON array', Buffer.from('[1,2,3]').toString('base64')],
    ['base64 of JSON null', Buffer.from('null').toString('base64')],
  ])('calls %s malformed', (_name, header) => {
    expect(verify(header)).toEqual({ ok: false, code: 'pow_malformed' });
  });

  it.each(['algorithm', 'challenge', 'number', 'salt', 'signature'])(
    'calls a solution without %s malformed',
    async (field) => {
      const solution: Record<string, unknown> = { ...(await solved(APP)) };
      delete solution[field];
      expect(verify(solution)).toEqual({ ok: false, code: 'pow_malformed' });
    },
  );

  it('calls a number sent as a string malformed', async () => {
    const solution = await solved(APP);
    expect(verify({ ...solution, number: String(solution.number) })).toEqual({ ok: false, code: 'pow_malformed' });
  });

  it('calls a header over 4096 bytes malformed, even around a valid solution', async () => {
    const solution = { ...(await solved(APP)), padding: 'x'.repeat(4096) };
    const header = encodeSolution(solution);
    expect(header.length).toBeGreaterThan(4096);
    expect(verify(header)).toEqual({ ok: false, code: 'pow_malformed' });
  });

  it('ignores extra fields the altcha widget sends, such as took', async () => {
    expect(verify({ ...(await solved(APP)), took: 12 }).ok).toBe(true);
  });
});

describe('checkProofOfWork', () => {
  it('asks for a solution when none is sent', async () => {
    expect(await check(undefined)).toEqual({ ok: false, code: 'pow_required' });
    expect(await check('')).toEqual({ ok: false, code: 'pow_required' });
  });

  it('accepts a solution once and refuses it as replayed the second time', async () => {
    const header = encodeSolution(await solved(APP));
    expect(await check(header)).toEqual({ ok: true });
    expect(await check(header)).toEqual({ ok: false, code: 'pow_replayed' });
  });

  it('treats a re-encoded copy of a spent solution as replayed', async () => {
    const solution = await solved(APP);
    expect(await check(encodeSolution(solution))).toEqual({ ok: true });
    // Same challenge, different bytes on the wire: an upper-case signature and extra fields.
    const copy = { took: 1, ...solution, signature: solution.signature.toUpperCase() };
    expect(await check(encodeSolution(copy))).toEqual({ ok: false, code: 'pow_replayed' });
  });

  it('treats a solution re-split at another digit (number digits moved into the salt) as the same, spent challenge', async () => {
    // SHA-256(salt + number) hashes one string; "…&" + "4321" can also be sent
    // as "…&43" + "21". The signature still matches, so what keeps this from
    // being a fresh solution is that the challenge and its expiry are unchanged.
    const expires = new Date(clock.now() + 300_000);
    const issued = await createChallenge({ hmacKey: POW_SECRET, maxnumber: 10_000, number: 4321, expires, params: { appId: APP } });
    const solution = { algorithm: 'SHA-256', challenge: issued.challenge, number: 4321, salt: issued.salt, signature: issued.signature };
    const spliced = { ...solution, salt: `${solution.salt}43`, number: 21 };
    const [original, resplit] = [verify(solution), verify(spliced)];
    expect(resplit).toEqual(original);
    expect(original.ok).toBe(true);

    expect(await check(encodeSolution(spliced))).toEqual({ ok: true });
    expect(await check(encodeSolution(solution))).toEqual({ ok: false, code: 'pow_replayed' });
  });

  it('does not spend a solution refused for another reason', async () => {
    const header = encodeSolution(await solved(APP));
    expect(await check(header, OTHER_APP)).toEqual({ ok: false, code: 'pow_invalid' });
    expect(await check(header, APP)).toEqual({ ok: true });
  });
});

describe('the spent-challenge store', () => {
  it('forgets spent challenges once they expire, so it stays bounded by the TTL', async () => {
    for (let i = 0; i < 3; i += 1) expect(await check(encodeSolution(await solved(APP)))).toEqual({ ok: true });
    expect(spentRows()).toBe(3);

    clock.advance(pow.challengeTtlSeconds + 1);
    expect(await check(encodeSolution(await solved(APP)))).toEqual({ ok: true });
    expect(spentRows()).toBe(1);
  });

  it('purge() removes exactly the expired rows', async () => {
    expect(await check(encodeSolution(await solved(APP)))).toEqual({ ok: true });
    clock.advance(200);
    expect(await check(encodeSolution(await solved(APP)))).toEqual({ ok: true });
    clock.advance(150); // the first challenge is now expired, the second is not
    expect(await spent.purge()).toBe(1);
    expect(spentRows()).toBe(1);
  });

  it('a forgotten solution is still refused, as expired', async () => {
    const header = encodeSolution(await solved(APP));
    expect(await check(header)).toEqual({ ok: true });
    clock.advance(pow.challengeTtlSeconds + 1);
    await spent.purge();
    expect(spentRows()).toBe(0);
    expect(await check(header)).toEqual({ ok: false, code: 'pow_expired' });
  });

  it('accepts a solution once across two service processes sharing the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-spent-'));
    const file = join(dir, 'latchkey.db');
    const [a, b] = [await openStore(file), await openStore(file)];
    try {
      const spentA = createSpentChallenges(a, clock);
      const spentB = createSpentChallenges(b, clock);
      const header = encodeSolution(await solved(APP));
      expect(await checkProofOfWork({ pow, clock, spent: spentA }, header, APP)).toEqual({ ok: true });
      expect(await checkProofOfWork({ pow, clock, spent: spentB }, header, APP)).toEqual({ ok: false, code: 'pow_replayed' });
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('spend() is the atomic check-and-mark: true once, then false', async () => {
    const expires = clock.seconds + 60;
    expect(await spent.spend('c'.repeat(64), expires)).toBe(true);
    expect(await spent.spend('c'.repeat(64), expires)).toBe(false);
  });
});

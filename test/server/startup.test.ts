// What an operator sees when latchkey cannot start listening: one line on
// stderr saying why (`latchkey: …`), no stack trace, a non-zero exit code.
// The real entry point in a child process, as `npm start` runs it.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLatchkey, type LatchkeyProcess } from '../support/latchkey-process.js';

const started: LatchkeyProcess[] = [];
let held: Server | undefined;
afterEach(() => {
  for (const p of started.splice(0)) p.cleanUp();
  held?.close();
  held = undefined;
});

function start(env: Record<string, string>): LatchkeyProcess {
  const p = startLatchkey(env);
  started.push(p);
  return p;
}

function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^latchkey: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('a start that cannot listen', () => {
  it('stops with one line when the port is in use', async () => {
    held = createServer();
    const port = await new Promise<number>((resolve) =>
      held!.listen(0, '127.0.0.1', () => resolve((held!.address() as { port: number }).port)),
    );
    const { code, stderr } = await start({ PORT: String(port) }).exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expectOneLine(stderr, new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use \\(PORT\\)$`));
  });

  it('stops with one line when HOST does not resolve', async () => {
    const { code, stderr } = await start({ HOST: 'no-such-host.invalid' }).exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expectOneLine(stderr, /no-such-host\.invalid:0: the host name does not resolve \(HOST\)$/);
  });

  it('stops with one line when HOST is not an address of this machine', async () => {
    // TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const { code, stderr } = await start({ HOST: '192.0.2.1' }).exited;
    expect(code).not.toBe(0);
    expectOneLine(stderr, /192\.0\.2\.1:0: the address is not one of this machine's \(HOST\)$/);
  });
});

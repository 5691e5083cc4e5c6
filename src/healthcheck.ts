// The container's HEALTHCHECK (Dockerfile): exit 0 when this machine's
// latchkey answers GET /readyz with 200 within 5 s, else 1. Written in node so
// the image needs no curl; it reads .env and PORT/HOST as `latchkey serve` does.
import { loadEnvFile } from './cli/env-file.js';

function readyzUrl(): string {
  const port = process.env.PORT || '3000';
  const host = process.env.HOST || '0.0.0.0';
  // A service on every interface is asked on loopback; one bound to a single address, there.
  if (host === '0.0.0.0') return `http://127.0.0.1:${port}/readyz`;
  if (host === '::') return `http://[::1]:${port}/readyz`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/readyz`;
}

try {
  loadEnvFile();
  const response = await fetch(readyzUrl(), { signal: AbortSignal.timeout(5000) });
  process.exitCode = response.status === 200 ? 0 : 1;
  if (response.status !== 200) process.stderr.write(`latchkey healthcheck: /readyz answered ${response.status}\n`);
} catch (error) {
  process.stderr.write(`latchkey healthcheck: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

// Start-up (§1: a bad value stops the start with one clear line): a port in
// use or a HOST that does not resolve is an operator's mistake, reported as
// one line naming the variable to fix, never as node's unhandled 'error'
// event and its stack trace.
import type { Server } from 'node:http';

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/**
 * Listens on `host:port`, resolving the port it got. A failure (the port in
 * use, a HOST that does not resolve) rejects with a ListenError whose message
 * is one line an operator can act on.
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new ListenError(listenFailure(error, port, host)));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function listenFailure(error: NodeJS.ErrnoException, port: number, host: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${host}:${port}: the port is already in use (PORT)`;
    case 'EACCES':
      return `cannot listen on ${host}:${port}: permission denied (PORT)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${host}:${port}: the address is not one of this machine's (HOST)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return `cannot listen on ${host}:${port}: the host name does not resolve (HOST)`;
    default:
      return `cannot listen on ${host}:${port}: ${error.code ?? error.message}`;
  }
}

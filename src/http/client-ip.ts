// The client address for rate limiting. With TRUST_PROXY=n, the n nearest
// X-Forwarded-For hops are believed (proxy-addr, the logic Express's
// `trust proxy` uses); with 0, only the socket's peer.
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export function clientIpResolver(trustedHops: number): (req: IncomingMessage) => string | undefined {
  if (trustedHops === 0) return (req) => req.socket.remoteAddress;
  const trust = (_address: string, hop: number) => hop < trustedHops;
  return (req) => proxyaddr(req, trust);
}

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

/** An address as audit events show it: an IPv4-mapped IPv6 address as its dotted quad. */
export function plainIp(ip: string | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

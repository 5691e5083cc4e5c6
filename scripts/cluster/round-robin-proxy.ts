// The load balancer of `npm run cluster`: a round-robin HTTP proxy, just
// enough to show several latchkey nodes behaving as one service. It appends
// the client's address to X-Forwarded-For (the nodes run with TRUST_PROXY=1,
// so they count rate limits per real client, not per proxy) and says which
// node answered in X-Latchkey-Node. Dev only: no retries, no health checks
// beyond skipping a node whose process has exited.
import { Agent, createServer, request, type Server } from 'node:http';

export interface Upstream {
  port: number;
  alive(): boolean;
}

export function roundRobinProxy(upstreams: Upstream[]): Server {
  const agent = new Agent({ keepAlive: true });
  let next = 0;
  const pick = () => {
    for (let tried = 0; tried < upstreams.length; tried++) {
      const upstream = upstreams[next++ % upstreams.length]!;
      if (upstream.alive()) return upstream;
    }
    return undefined;
  };
  return createServer((req, res) => {
    const fail = (message: string) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'bad_gateway', message } }));
    };
    const upstream = pick();
    if (!upstream) return fail('No latchkey node is running.');
    const forwarded = req.headers['x-forwarded-for'];
    const client = req.socket.remoteAddress ?? 'unknown';
    const headers = { ...req.headers, 'x-forwarded-for': forwarded ? `${forwarded}, ${client}` : client };
    const proxied = request({ host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-latchkey-node': String(upstream.port) });
      answer.pipe(res);
    });
    proxied.on('error', () => fail(`Node ${upstream.port} did not answer.`));
    req.pipe(proxied);
  });
}

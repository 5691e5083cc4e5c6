// The HTTP server under the application (contract §0, §3.6): how much and how
// slowly a client may send before any handler sees its request, the JSON
// answer for a request that fails in node's parser or times out, and the
// graceful stop.
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { rawErrorResponse, sendError } from './respond.js';

export interface HttpLimits {
  readonly maxHeaderSize: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly timeoutCheckIntervalMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxRequestsPerSocket: number;
  readonly shutdownGraceMs: number;
  readonly shutdownSweepMs: number;
}

export const HTTP_LIMITS: HttpLimits = {
  /** §0: the request line and headers together; more is 431. */
  maxHeaderSize: 16 * 1024,
  /** §0: the request line and headers must have arrived within 10 s… */
  headersTimeoutMs: 10_000,
  /** …and the whole request, body included, within 30 s; else 408. */
  requestTimeoutMs: 30_000,
  /**
   * Node checks the two timeouts above on an interval (30 s by default),
   * so they fire up to that much late; once a second keeps them near 10 and 30.
   */
  timeoutCheckIntervalMs: 1_000,
  /**
   * An idle keep-alive connection is closed after this. Longer than the 60 s
   * idle timeout of common load balancers, so the proxy closes first and never
   * sends a request on a connection we are closing.
   */
  keepAliveTimeoutMs: 65_000,
  /**
   * The answer to a connection's 100 000th request says `Connection: close`,
   * so no client holds one connection forever and load spreads again behind a
   * balancer. Node answers requests sent on it after that answer with an empty
   * 503, and some keep-alive clients (autocannon among them) send the next
   * request before they read `Connection: close`: 1000, the first choice, made
   * 5 % of a benchmark's requests fail. At 100 000 a busy connection is
   * recycled every few seconds to minutes, which is what rebalancing needs.
   */
  maxRequestsPerSocket: 100_000,
  /** §3.6: exit within 5 s of SIGTERM; what is still open at this point is closed. */
  shutdownGraceMs: 4_500,
  /** While stopping, how often connections that have fallen idle are closed. */
  shutdownSweepMs: 100,
};

export type HttpServerOptions = Partial<
  Pick<
    HttpLimits,
    'headersTimeoutMs' | 'requestTimeoutMs' | 'timeoutCheckIntervalMs' | 'keepAliveTimeoutMs' | 'maxRequestsPerSocket'
  >
> & { logger?: Logger; metrics?: Pick<Metrics, 'refusedBelowApplication'> };

export interface HttpServer {
  readonly server: Server;
  /**
   * §3.6: stops accepting connections, answers every request already
   * received — each answer saying `Connection: close` — closes idle
   * connections, and resolves once all are closed, closing whatever is still
   * open after `graceMs`.
   */
  stop(graceMs?: number): Promise<void>;
}

// Node's own codes for requests it refuses before the application sees them.
const BELOW_APPLICATION: Partial<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'payload_too_large',
};

/** The response of the last request read on a connection: the one a stop marks `Connection: close`. */
const LAST_RESPONSE = Symbol('latchkey.lastResponse');
type ClientSocket = Socket & { [LAST_RESPONSE]?: ServerResponse };
/** node:http's name for the response in flight on a connection (what its own clientError default checks). */
type HttpSocket = Duplex & { _httpMessage?: ServerResponse | null };

export function createHttpServer(listener: RequestListener, options: HttpServerOptions = {}): HttpServer {
  const limits = { ...HTTP_LIMITS, ...options };
  const logger = options.logger;
  const metrics = options.metrics;
  const sockets = new Set<ClientSocket>();
  let stopping = false;
  let stopped: Promise<void> | undefined;

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node's own answer to a missing Host is an empty 400; ours is below, in the contract's shape.
      requireHostHeader: false,
    },
    function accept(req, res) {
      const socket = req.socket as ClientSocket;
      if (stopping) {
        // A request pipelined behind one that a stop marked to close the
        // connection: now this one is the last, and the one before must not
        // close the connection before this one is answered.
        const previous = socket[LAST_RESPONSE];
        if (previous && !previous.headersSent) previous.shouldKeepAlive = true;
        res.shouldKeepAlive = false;
      }
      socket[LAST_RESPONSE] = res;
      // RFC 9112 §3.2: an HTTP/1.1 request without Host is malformed.
      if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
        res.shouldKeepAlive = false;
        metrics?.refusedBelowApplication('bad_request');
        sendError(res, new AppError('bad_request', 'An HTTP/1.1 request needs a Host header.'), [REQUEST_ID_HEADER, randomUUID()]);
        return;
      }
      listener(req, res);
    },
  );
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;

  server.on('connection', (socket: ClientSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  // Replaces node's default, which answers these with an empty body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: HttpSocket) => {
    const answerable = socket.writable && !socket._httpMessage?.headersSent && error.code !== 'ECONNRESET';
    if (answerable) {
      // The request never reached the application: its own X-Request-Id, if it had one, was not read.
      const id = randomUUID();
      const code = BELOW_APPLICATION[error.code ?? ''] ?? 'bad_request';
      logger?.debug({ reqId: id, code, reason: error.code }, 'request failed below the application');
      metrics?.refusedBelowApplication(code);
      socket.write(rawErrorResponse(code, id));
    }
    socket.destroy();
  });

  function stop(graceMs: number = HTTP_LIMITS.shutdownGraceMs): Promise<void> {
    stopped ??= new Promise((resolve) => {
      stopping = true;
      // Closes the idle connections too; the others are closed as their last answer is sent.
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(force);
        resolve();
      });
      for (const socket of sockets) {
        const last = socket[LAST_RESPONSE];
        if (last && !last.headersSent) last.shouldKeepAlive = false;
      }
      // A connection whose answer went out with keep-alive just before the stop falls idle later.
      const sweep = setInterval(() => server.closeIdleConnections(), limits.shutdownSweepMs);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
    });
    return stopped;
  }

  return { server, stop };
}

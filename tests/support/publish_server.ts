/**
 * A small aggregator for collector tests: the real `Aggregator` service from
 * shared/gen, served by connect-node on node:http2 (cleartext, or mutual TLS),
 * on 127.0.0.1. It records every published point with its request metadata,
 * and a test can make it answer with an error instead.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Aggregator, type PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import type { Pki } from "./certs.ts";
import { settledWithin } from "./deadline.ts";

export interface ReceivedPoint {
  request: PublishRequest;
  headers: Record<string, string>;
  /** The protocol the call used, from its content type. */
  contentType: string;
}

export interface ServerTls {
  certificate: string;
  key: string;
  caCertificate: string;
}

export interface PublishServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  tls?: ServerTls;
}

export class PublishServer {
  received: ReceivedPoint[] = [];
  /** Calls refused so far with `failWith`. */
  refusedCalls = 0;
  /** When set, each call throws what it returns instead of accepting the point. */
  failWith?: (request: PublishRequest) => ConnectError | undefined;
  #sessions = new Set<http2.ServerHttp2Session>();
  #waiters: (() => void)[] = [];
  readonly server: http2.Http2Server;
  port = 0;

  private constructor(tls: ServerTls | undefined) {
    const handler = connectNodeAdapter({
      routes: (router) =>
        router.service(Aggregator, {
          publish: (request, context) => this.#publish(request, context.requestHeader),
        }),
    });
    this.server = tls
      ? http2.createSecureServer({
        cert: tls.certificate,
        key: tls.key,
        ca: tls.caCertificate,
        requestCert: true,
        rejectUnauthorized: true,
        allowHTTP1: true,
      }, handler)
      : http2.createServer(handler);
    this.server.on("session", (session) => {
      this.#sessions.add(session);
      session.on("close", () => this.#sessions.delete(session));
    });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(options: PublishServerOptions = {}): Promise<PublishServer> {
    const self = new PublishServer(options.tls);
    await new Promise<void>((resolve, reject) => {
      self.server.once("error", reject);
      self.server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    self.port = (self.server.address() as AddressInfo).port;
    return self;
  }

  /** A server on the test PKI's server certificate, requiring clients signed by its CA. */
  static startMutualTls(pki: Pki): Promise<PublishServer> {
    return PublishServer.start({
      tls: {
        certificate: pki.serverCertificate,
        key: pki.serverKey,
        caCertificate: pki.caCertificate,
      },
    });
  }

  #publish(request: PublishRequest, requestHeader: Headers): Record<never, never> {
    const error = this.failWith?.(request);
    if (error) {
      this.refusedCalls++;
      throw error;
    }
    const headers: Record<string, string> = {};
    requestHeader.forEach((value, key) => headers[key] = value);
    this.received.push({ request, headers, contentType: headers["content-type"] ?? "" });
    for (const wake of this.#waiters.splice(0)) wake();
    return {};
  }

  /** Resolves once `count` points have arrived; rejects after `timeoutMs`. */
  async waitForPoints(count: number, timeoutMs: number): Promise<ReceivedPoint[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `expected ${count} points within ${timeoutMs} ms, got ${this.received.length}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return this.received;
  }

  /**
   * Stops listening and closes every open session gracefully; sessions still
   * open after `graceMs` are destroyed. The wait runs on its own timer: Deno's
   * node:http2 does not always call `close`'s callback.
   */
  async close(graceMs = 2_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.#sessions) session.close();
    if (!await settledWithin(closed, graceMs)) {
      for (const session of this.#sessions) session.destroy();
      await settledWithin(closed, graceMs);
    }
  }
}

/**
 * A small aggregator for collector tests: the real `Aggregator` service from
 * shared/gen, served by connect-node on node:http2 (cleartext, or mutual TLS),
 * on 127.0.0.1. It records every published point with its tags (request
 * metadata for `Publish`, the entry's tags for `PublishBatch`), and a test can
 * make it answer with an error instead. With `batch: false` it implements
 * `Publish` only, as the Go original does, so `PublishBatch` gets
 * `unimplemented` from the router itself.
 *
 * @module
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  Aggregator,
  type PublishBatchRequest,
  type PublishRequest,
} from "../../shared/gen/aggregator_pb.ts";
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
  /** Whether `PublishBatch` is served (default true). */
  batch?: boolean;
  /** Largest request message accepted (connect-node's readMaxBytes). */
  readMaxBytes?: number;
}

export class PublishServer {
  received: ReceivedPoint[] = [];
  /** Calls refused so far with `failWith`. */
  refusedCalls = 0;
  /** Calls answered, by method. */
  calls = { publish: 0, publishBatch: 0 };
  /**
   * When set, a point for which it returns an error is not accepted: a
   * `Publish` call throws it; in a `PublishBatch` an `invalid_argument` rejects
   * that entry alone and any other error fails the whole call.
   */
  failWith?: (request: PublishRequest) => ConnectError | undefined;
  #sessions = new Set<http2.ServerHttp2Session>();
  #waiters: (() => void)[] = [];
  readonly server: http2.Http2Server;
  port = 0;

  private constructor({ tls, batch = true, readMaxBytes }: PublishServerOptions) {
    const service: Partial<ServiceImpl<typeof Aggregator>> = {
      publish: (request, context) => this.#publish(request, context.requestHeader),
    };
    if (batch) {
      service.publishBatch = (request, context) =>
        this.#publishBatch(request, context.requestHeader);
    }
    const handler = connectNodeAdapter({
      routes: (router) => router.service(Aggregator, service),
      readMaxBytes,
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
    const self = new PublishServer(options);
    await new Promise<void>((resolve, reject) => {
      self.server.once("error", reject);
      self.server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    self.port = (self.server.address() as AddressInfo).port;
    return self;
  }

  /** A server on the test PKI's server certificate, requiring clients signed by its CA. */
  static startMutualTls(pki: Pki, options: PublishServerOptions = {}): Promise<PublishServer> {
    return PublishServer.start({
      ...options,
      tls: {
        certificate: pki.serverCertificate,
        key: pki.serverKey,
        caCertificate: pki.caCertificate,
      },
    });
  }

  #publish(request: PublishRequest, requestHeader: Headers): Record<never, never> {
    this.calls.publish++;
    const error = this.failWith?.(request);
    if (error) {
      this.refusedCalls++;
      throw error;
    }
    const headers: Record<string, string> = {};
    requestHeader.forEach((value, key) => headers[key] = value);
    this.#received([{ request, headers, contentType: headers["content-type"] ?? "" }]);
    return {};
  }

  #publishBatch(batch: PublishBatchRequest, requestHeader: Headers) {
    this.calls.publishBatch++;
    const verdicts = batch.points.map((entry) => entry.point && this.failWith?.(entry.point));
    const fatal = verdicts.find((error) => error && error.code !== Code.InvalidArgument);
    if (fatal) {
      this.refusedCalls++;
      throw fatal;
    }
    const contentType = requestHeader.get("content-type") ?? "";
    const accepted = batch.points.flatMap(({ tags, point }, index) =>
      point && !verdicts[index] ? [{ request: point, headers: tags, contentType }] : []
    );
    this.#received(accepted);
    const rejected = verdicts.flatMap((error, index) =>
      error ? [{ index, reason: error.rawMessage }] : []
    );
    return { rejected };
  }

  #received(points: ReceivedPoint[]): void {
    this.received.push(...points);
    for (const wake of this.#waiters.splice(0)) wake();
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

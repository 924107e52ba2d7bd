/**
 * Clients of the aggregator's Publish RPC for tests, one per protocol the
 * aggregator serves (gRPC, gRPC-Web, Connect binary), each over one
 * long-lived HTTP/2 connection that `close` shuts down gracefully — the
 * client behaviour that keeps Deno's node:http2 server stable (DESIGN.md §7).
 */
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type ClientSessionRequestOptions,
  connect,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from "node:http2";
import { Aggregator } from "../../shared/gen/aggregator_pb.ts";

export type Protocol = "grpc" | "grpc-web" | "connect";
export const PROTOCOLS: readonly Protocol[] = ["grpc", "grpc-web", "connect"];

export interface PublishClient {
  client: Client<typeof Aggregator>;
  /** Ends the connection gracefully (GOAWAY after the calls in flight). */
  close(): Promise<void>;
}

/**
 * One HTTP/2 connection for all of a client's calls, opened on first use and
 * closed gracefully; connect-node's own manager destroys its connection
 * (RST/CANCEL) on close.
 */
export class SingleSession {
  readonly authority: string;
  #options?: SecureClientSessionOptions;
  #session?: ClientHttp2Session;

  constructor(authority: string, options?: SecureClientSessionOptions) {
    this.authority = authority;
    this.#options = options;
  }

  request(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    options: Omit<ClientSessionRequestOptions, "signal">,
  ): Promise<ClientHttp2Stream> {
    if (!this.#session || this.#session.closed || this.#session.destroyed) {
      this.#session = connect(this.authority, this.#options);
      this.#session.on("error", () => {/* surfaces on the streams */});
    }
    return Promise.resolve(
      this.#session.request({ ...headers, ":method": method, ":path": path }, options),
    );
  }

  notifyResponseByteRead(_stream: ClientHttp2Stream): void {}

  /** GOAWAY, then waits for the session to end; destroys it if it has not after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    const session = this.#session;
    if (!session || session.destroyed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        session.destroy();
        resolve();
      }, graceMs);
      session.close(() => resolve());
    });
    clearTimeout(timer);
  }
}

export function publishClient(
  baseUrl: string,
  protocol: Protocol,
  tls?: SecureClientSessionOptions,
): PublishClient {
  const sessionManager = new SingleSession(baseUrl, tls);
  const options = { baseUrl, httpVersion: "2" as const, sessionManager };
  const transport: Transport = protocol === "grpc"
    ? createGrpcTransport(options)
    : protocol === "grpc-web"
    ? createGrpcWebTransport({ ...options, useBinaryFormat: true })
    : createConnectTransport({ ...options, useBinaryFormat: true });
  return {
    client: createClient(Aggregator, transport),
    close: () => sessionManager.close(),
  };
}

/** The four tags every point needs, as request headers. */
export function tagHeaders(container: string, extra: Record<string, string> = {}) {
  return {
    environment: "test",
    service: "web",
    container,
    host_name: container.slice(0, 12),
    ...extra,
  };
}

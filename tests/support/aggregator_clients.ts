/**
 * connect-es clients of the aggregator's Publish RPC, one per protocol the
 * aggregator serves (gRPC, gRPC-Web, Connect binary), each over one
 * long-lived HTTP/2 connection that `close` shuts down gracefully — the
 * client behaviour that keeps Deno's node:http2 server stable
 * (docs/ARCHITECTURE.md, "Platform facts"). Only for tests of these clients
 * against the aggregator: Deno's node:http2 client does not always call back,
 * so every call and the close run on hard deadlines. Other tests publish with
 * tests/support/grpc_publisher.ts or curl.
 *
 * @module
 */
import { createClient, type Transport } from "@connectrpc/connect";
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
} from "node:http2";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import {
  Aggregator,
  PublishBatchRequestSchema,
  type PublishBatchResponse,
  PublishRequestSchema,
} from "../../shared/gen/aggregator_pb.ts";
import { settledWithin, withDeadline } from "./deadline.ts";

export type Protocol = "grpc" | "grpc-web" | "connect";
export const PROTOCOLS: readonly Protocol[] = ["grpc", "grpc-web", "connect"];

/** connect-es's own deadline for a call; the hard deadline comes a few seconds later. */
const CALL_TIMEOUT_MS = 10_000;
const CALL_GRACE_MS = 5_000;

export interface PublishClient {
  /** One Publish under a hard deadline; rejects as connect-es does, or naming the call. */
  publish(
    fields: MessageInitShape<typeof PublishRequestSchema>,
    headers: Record<string, string>,
  ): Promise<void>;
  /** One PublishBatch under a hard deadline; resolves with the entries rejected. */
  publishBatch(
    fields: MessageInitShape<typeof PublishBatchRequestSchema>,
  ): Promise<PublishBatchResponse["rejected"]>;
  /** Ends the connection gracefully (GOAWAY after the calls in flight), destroying it if need be. */
  close(): Promise<void>;
}

/**
 * One HTTP/2 connection for all of a client's calls, opened on first use and
 * closed gracefully; connect-node's own manager destroys its connection
 * (RST/CANCEL) on close.
 */
export class SingleSession {
  readonly authority: string;
  #session?: ClientHttp2Session;

  constructor(authority: string) {
    this.authority = authority;
  }

  request(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    options: Omit<ClientSessionRequestOptions, "signal">,
  ): Promise<ClientHttp2Stream> {
    if (!this.#session || this.#session.closed || this.#session.destroyed) {
      this.#session = connect(this.authority);
      this.#session.on("error", () => {/* surfaces on the streams */});
    }
    return Promise.resolve(
      this.#session.request({ ...headers, ":method": method, ":path": path }, options),
    );
  }

  notifyResponseByteRead(_stream: ClientHttp2Stream): void {}

  /**
   * GOAWAY, then waits for the session to end, on its own timer: Deno's
   * node:http2 does not always call `close`'s callback, so after `graceMs`
   * the session is destroyed and the wait is over either way.
   */
  async close(graceMs = 2000): Promise<void> {
    const session = this.#session;
    if (!session || session.destroyed) return;
    const closed = new Promise<void>((resolve) => session.close(() => resolve()));
    if (!await settledWithin(closed, graceMs)) session.destroy();
  }
}

/** A cleartext connect-es client of `baseUrl` speaking `protocol` over HTTP/2. */
export function publishClient(baseUrl: string, protocol: Protocol): PublishClient {
  const sessionManager = new SingleSession(baseUrl);
  const options = { baseUrl, httpVersion: "2" as const, sessionManager };
  const transport: Transport = protocol === "grpc"
    ? createGrpcTransport(options)
    : protocol === "grpc-web"
    ? createGrpcWebTransport({ ...options, useBinaryFormat: true })
    : createConnectTransport({ ...options, useBinaryFormat: true });
  const client = createClient(Aggregator, transport);
  return {
    publish: async (fields, headers) => {
      await withDeadline(
        client.publish(create(PublishRequestSchema, fields), {
          headers,
          timeoutMs: CALL_TIMEOUT_MS,
        }),
        CALL_TIMEOUT_MS + CALL_GRACE_MS,
        `waiting for ${baseUrl} to answer Publish over ${protocol} (container ${headers.container})`,
      );
    },
    publishBatch: async (fields) => {
      const response = await withDeadline(
        client.publishBatch(create(PublishBatchRequestSchema, fields), {
          timeoutMs: CALL_TIMEOUT_MS,
        }),
        CALL_TIMEOUT_MS + CALL_GRACE_MS,
        `waiting for ${baseUrl} to answer PublishBatch over ${protocol}`,
      );
      return response.rejected;
    },
    close: () => sessionManager.close(),
  };
}

/**
 * The connection to the aggregator, speaking gRPC (the default, what the Go
 * aggregator understands) or the Connect protocol, with mutual TLS when
 * configured.
 *
 * gRPC goes through the collector's own small HTTP/2 client (collector/grpc/)
 * on one connection kept across polls. It replaces connect-node on
 * node:http2, which cost about 20 MiB and, because Deno's node:http2 client
 * aborts the whole process when a GOAWAY reaches a session with finished
 * streams (nghttp2 assertion in `find_stream_on_goaway_func`;
 * denoland/deno#36788), a new session per call. The Connect protocol still
 * uses connect-node, loaded only when configured, with a session per call for
 * that same reason.
 *
 * @module
 */
import type { Client } from "@connectrpc/connect";
import type { Address, CollectorConfig } from "../shared/config/mod.ts";
import type { Aggregator } from "../shared/gen/aggregator_pb.ts";
import { GrpcAggregatorClient } from "./grpc/client.ts";

export type AggregatorClient = Pick<Client<typeof Aggregator>, "publish" | "publishBatch">;

export interface AggregatorConnection {
  client: AggregatorClient;
  baseUrl: string;
  /** Cuts the call in progress, if any, so the process can exit. */
  close(): void;
}

/** How to reach one aggregator. */
export type ConnectionSettings = Pick<CollectorConfig, "protocol" | "tls"> & {
  remoteAddress: Address;
};

export function connectAggregator(config: ConnectionSettings): AggregatorConnection {
  const scheme = config.tls ? "https" : "http";
  const baseUrl = `${scheme}://${config.remoteAddress.host}:${config.remoteAddress.port}`;
  if (config.protocol === "grpc") {
    const client = new GrpcAggregatorClient({ ...config.remoteAddress, tls: config.tls });
    return { client, baseUrl, close: () => client.close() };
  }
  return connectProtocolConnection(config, baseUrl);
}

/** The Connect protocol on connect-node, imported on first use, one HTTP/2 session per call. */
function connectProtocolConnection(
  config: ConnectionSettings,
  baseUrl: string,
): AggregatorConnection {
  const tls = config.tls
    ? { cert: config.tls.certificate, key: config.tls.key, ca: config.tls.caCertificate }
    : {};
  const sessions = new Set<{ abort(): void }>();
  /** One call on a session of its own, ended as soon as the call ends. */
  async function onNewSession<T>(call: (client: Client<typeof Aggregator>) => Promise<T>) {
    const [{ createClient }, { createConnectTransport, Http2SessionManager }, { Aggregator }] =
      await Promise.all([
        import("@connectrpc/connect"),
        import("@connectrpc/connect-node"),
        import("../shared/gen/aggregator_pb.ts"),
      ]);
    const sessionManager = new Http2SessionManager(baseUrl, {}, tls);
    sessions.add(sessionManager);
    try {
      const transport = createConnectTransport({ baseUrl, httpVersion: "2", sessionManager });
      return await call(createClient(Aggregator, transport));
    } finally {
      sessions.delete(sessionManager);
      sessionManager.abort();
    }
  }
  const client: AggregatorClient = {
    publish: (request, options) =>
      onNewSession((aggregator) => aggregator.publish(request, options)),
    publishBatch: (request, options) =>
      onNewSession((aggregator) => aggregator.publishBatch(request, options)),
  };
  return {
    client,
    baseUrl,
    close: () => sessions.forEach((session) => session.abort()),
  };
}

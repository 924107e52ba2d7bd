/**
 * The connection to the aggregator: one HTTP/2 session (node:http2), shared
 * by calls, speaking gRPC (the default, what the Go aggregator understands) or
 * the Connect protocol, over mutual TLS when configured. `close()` ends the
 * session so the process can exit.
 */
import { type Client, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import type { CollectorConfig } from "../shared/config/collector.ts";
import { Aggregator } from "../shared/gen/aggregator_pb.ts";

export type AggregatorClient = Client<typeof Aggregator>;

export interface AggregatorConnection {
  client: AggregatorClient;
  baseUrl: string;
  close(): void;
}

export type ConnectionSettings = Pick<CollectorConfig, "remoteAddress" | "protocol" | "tls">;

export function connectAggregator(config: ConnectionSettings): AggregatorConnection {
  const scheme = config.tls ? "https" : "http";
  const baseUrl = `${scheme}://${config.remoteAddress.host}:${config.remoteAddress.port}`;
  const tls = config.tls
    ? { cert: config.tls.certificate, key: config.tls.key, ca: config.tls.caCertificate }
    : {};
  const sessionManager = new Http2SessionManager(baseUrl, {}, tls);
  const options = { baseUrl, httpVersion: "2" as const, sessionManager };
  const transport = config.protocol === "grpc"
    ? createGrpcTransport(options)
    : createConnectTransport(options);
  return {
    client: createClient(Aggregator, transport),
    baseUrl,
    close: () => sessionManager.abort(),
  };
}

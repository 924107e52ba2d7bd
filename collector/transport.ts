/**
 * The connection to the aggregator, speaking gRPC (the default, what the Go
 * aggregator understands) or the Connect protocol, with mutual TLS when
 * configured.
 *
 * Both protocols are connect-es's own implementations (its gRPC and Connect
 * transports: envelopes, deadlines, metadata, status and trailers) over the
 * collector's own HTTP/2 client (shared/http2/client/), one connection kept across
 * polls. Node's HTTP/2 module, which connect-node needs, is not loaded: it
 * cost about 20 MiB, and Deno's version of it aborts the whole process when a
 * GOAWAY reaches a session with finished streams (docs/ARCHITECTURE.md,
 * "Platform facts").
 *
 * @module
 */
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createTransport as createConnectTransport } from "@connectrpc/connect/protocol-connect";
import { createTransport as createGrpcTransport } from "@connectrpc/connect/protocol-grpc";
import type { CollectorConfig } from "./config/mod.ts";
import type { Address } from "../shared/config/mod.ts";
import { Aggregator } from "../shared/gen/aggregator_pb.ts";
import { type ConnectionLimits, DEFAULT_LIMITS, Http2Client } from "../shared/http2/client/mod.ts";
import { transportOptions } from "./grpc/mod.ts";

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

/** The largest request the collector sends: a batch is far smaller. */
const WRITE_MAX_BYTES = 16 * 1024 * 1024;

export function connectAggregator(
  config: ConnectionSettings,
  limits: ConnectionLimits = DEFAULT_LIMITS,
): AggregatorConnection {
  const http = new Http2Client({ ...config.remoteAddress, tls: config.tls }, limits);
  const options = transportOptions(http, {
    readMaxBytes: limits.maxResponseBytes,
    writeMaxBytes: WRITE_MAX_BYTES,
  });

  const transport: Transport = config.protocol === "grpc"
    ? createGrpcTransport(options)
    : createConnectTransport(options);
  return {
    client: createClient(Aggregator, transport),
    baseUrl: http.baseUrl,
    close: () => http.close(),
  };
}

/**
 * Health of the aggregator, answered on its listeners: the gRPC health
 * protocol (`/grpc.health.v1.Health/Check`, service "" or "Aggregator") and a
 * plain `GET /healthz` (200 "serving" / 503 "not serving"). The aggregator is
 * serving while it accepts points and its spool can be written.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import {
  decodeHealthRequest,
  encodeHealthResponse,
  firstMessage,
  HEALTH_CHECK_PATH,
  ServingStatus,
} from "./health_codec.ts";

export const HEALTHZ_PATH = "/healthz";

/** Answers whether the aggregator can take points right now. */
export type Serving = () => boolean;

const KNOWN_SERVICES = new Set(["", "Aggregator"]);

/** The parts of node's HTTP/1.1 and HTTP/2 compatibility request and response used here. */
interface NodeRequest extends AsyncIterable<Uint8Array> {
  url?: string;
  method?: string;
}
interface NodeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array): unknown;
  addTrailers(headers: Record<string, string>): void;
  end(body: string | Uint8Array): unknown;
  end(): unknown;
}

/** `GET /healthz` as a fetch-style handler, for the Deno.serve listener. */
export function healthzResponse(serving: Serving): Response {
  return serving()
    ? new Response("serving\n", { status: 200 })
    : new Response("not serving\n", { status: 503 });
}

/** The node:http2 fallback: health endpoints, else 404. */
export function nodeHealthHandler(serving: Serving) {
  return (request: NodeRequest, response: NodeResponse): void => {
    if (request.url === HEALTHZ_PATH && request.method === "GET") {
      const up = serving();
      response.writeHead(up ? 200 : 503, { "content-type": "text/plain" });
      response.end(up ? "serving\n" : "not serving\n");
    } else if (request.url === HEALTH_CHECK_PATH && request.method === "POST") {
      readBody(request).then((body) => grpcCheck(body, serving, response));
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found\n");
    }
  };
}

async function grpcCheck(body: Uint8Array, serving: Serving, response: NodeResponse) {
  let service: string;
  try {
    service = decodeHealthRequest(await firstMessage(body));
  } catch (error) {
    const message = error instanceof ConnectError ? error.rawMessage : String(error);
    return grpcError(response, new ConnectError(message, Code.InvalidArgument));
  }
  if (!KNOWN_SERVICES.has(service)) {
    return grpcError(response, new ConnectError(`unknown service "${service}"`, Code.NotFound));
  }
  const status = serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  response.writeHead(200, { "content-type": "application/grpc" });
  response.write(encodeEnvelope(0, encodeHealthResponse(status)));
  response.addTrailers(grpcStatus(undefined));
  response.end();
}

/** A trailers-only answer: the error's status in the headers, no message. */
function grpcError(response: NodeResponse, error: ConnectError): void {
  response.writeHead(200, { "content-type": "application/grpc", ...grpcStatus(error) });
  response.end();
}

/** `grpc-status` and `grpc-message` for an error, or the OK status. */
function grpcStatus(error: ConnectError | undefined): Record<string, string> {
  return Object.fromEntries(setTrailerStatus(new Headers(), error));
}

/** The request body, at most 4 KiB of it (a health request is a few bytes). */
async function readBody(request: NodeRequest): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 4096) break;
  }
  return Buffer.concat(chunks).subarray(0, 4096);
}

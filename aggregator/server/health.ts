/**
 * Health of the aggregator, answered on its listeners: the gRPC health
 * protocol (`/grpc.health.v1.Health/Check`, service "" or "Aggregator") and a
 * plain `GET /healthz` (200 "serving" / 503 "not serving"). The aggregator is
 * serving while it accepts points and its spool can be written.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  encodeEnvelope,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { joinBytes } from "../../shared/http2/mod.ts";
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

/** The most of a health request body read (a health request is a few bytes). */
const MAX_HEALTH_BODY = 4096;

/** `GET /healthz` as a fetch-style handler, for the Deno.serve listeners. */
export function healthzResponse(serving: Serving): Response {
  return serving()
    ? new Response("serving\n", { status: 200 })
    : new Response("not serving\n", { status: 503 });
}

/**
 * The fallback for paths the router does not serve, as a connect universal
 * handler: health endpoints, else 404.
 */
export function universalHealthHandler(serving: Serving) {
  return async (request: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const path = new URL(request.url).pathname;
    if (path === HEALTHZ_PATH && request.method === "GET") {
      const up = serving();
      return text(up ? 200 : 503, up ? "serving\n" : "not serving\n");
    }
    if (path === HEALTH_CHECK_PATH && request.method === "POST") {
      return grpcCheck(await readBody(request.body), serving);
    }
    return text(404, "not found\n");
  };
}

function text(status: number, body: string): UniversalServerResponse {
  return {
    status,
    header: new Headers({ "content-type": "text/plain" }),
    body: once(new TextEncoder().encode(body)),
  };
}

async function grpcCheck(body: Uint8Array, serving: Serving): Promise<UniversalServerResponse> {
  let service: string;
  try {
    service = decodeHealthRequest(await firstMessage(body));
  } catch (error) {
    const message = error instanceof ConnectError ? error.rawMessage : String(error);
    return grpcError(new ConnectError(message, Code.InvalidArgument));
  }
  if (!KNOWN_SERVICES.has(service)) {
    return grpcError(new ConnectError(`unknown service "${service}"`, Code.NotFound));
  }
  const status = serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  return {
    status: 200,
    header: new Headers({ "content-type": "application/grpc" }),
    body: once(encodeEnvelope(0, encodeHealthResponse(status))),
    trailer: setTrailerStatus(new Headers(), undefined),
  };
}

/** A trailers-only answer: the error's status in the headers, no message. */
function grpcError(error: ConnectError): UniversalServerResponse {
  const header = setTrailerStatus(new Headers({ "content-type": "application/grpc" }), error);
  return { status: 200, header };
}

async function* once(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  yield chunk;
}

/** The request body, at most MAX_HEALTH_BODY bytes of it. */
async function readBody(body: UniversalServerRequest["body"]): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (typeof body === "object" && body !== null && Symbol.asyncIterator in body) {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_HEALTH_BODY) break;
    }
  }
  return joinBytes(chunks).subarray(0, MAX_HEALTH_BODY);
}

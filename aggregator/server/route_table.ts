/**
 * Which of connect's handlers serves a call: the one registered for its
 * request path, and for a path registered twice (PublishBatch, see
 * publish_batch_entries.ts) the one for its codec: the later registration
 * takes protobuf-encoded calls, as connect's own router transport would, the
 * earlier one JSON calls. Both listeners route through it.
 *
 * @module
 */
import type { UniversalHandler } from "@connectrpc/connect/protocol";

/** `application/json`, `application/connect+json`, `application/grpc-web+json`…, parameters aside. */
const JSON_CONTENT_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** The handler of each request path. */
export function routeTable(handlers: readonly UniversalHandler[]): Map<string, UniversalHandler> {
  const table = new Map<string, UniversalHandler>();
  for (const handler of handlers) {
    const earlier = table.get(handler.requestPath);
    table.set(handler.requestPath, earlier ? byCodec(earlier, handler) : handler);
  }
  return table;
}

/** One handler sending JSON calls to `json` and every other one to `binary`. */
function byCodec(json: UniversalHandler, binary: UniversalHandler): UniversalHandler {
  return Object.assign(
    (request: Parameters<UniversalHandler>[0]) =>
      JSON_CONTENT_TYPE.test(request.header.get("content-type") ?? "")
        ? json(request)
        : binary(request),
    {
      protocolNames: json.protocolNames,
      service: json.service,
      method: json.method,
      requestPath: json.requestPath,
      allowedMethods: json.allowedMethods,
      supportedContentType: json.supportedContentType,
    },
  );
}

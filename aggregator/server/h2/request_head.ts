/**
 * The request a HEADERS block describes (RFC 9113 §8.3.1): its pseudo-headers
 * `:method`, `:scheme`, `:authority`, `:path` and its other fields as
 * `Headers`. A malformed block (RFC 9113 §8.1.1: an unknown, repeated or late
 * pseudo-header, a missing one, an upper-case name, a connection-specific
 * field, a value `Headers` refuses, a content-length that is not a number) is
 * a stream error: that request is reset
 * with PROTOCOL_ERROR and the connection goes on. A `host` field stays an
 * ordinary header (it is a tag over HTTP/2, see host_alias.ts).
 *
 * @module
 */
import { ErrorCode, type HeaderField, StreamError } from "../../../shared/http2/mod.ts";

export interface RequestHead {
  method: string;
  /** Absolute URL built from `:scheme`, `:authority` (else `fallbackAuthority`) and `:path`. */
  url: string;
  header: Headers;
  /** The body length declared by content-length (RFC 9113 §8.1.1), if any. */
  contentLength?: number;
}

const PSEUDO = new Set([":method", ":scheme", ":authority", ":path"]);
const CONNECTION_SPECIFIC = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

export function requestHead(
  fields: readonly HeaderField[],
  fallbackAuthority: string,
): RequestHead {
  const pseudo = new Map<string, string>();
  const header = new Headers();
  let regularSeen = false;
  for (const [name, value] of fields) {
    if (name.startsWith(":")) {
      if (!PSEUDO.has(name)) throw malformed(`pseudo-header ${name}`);
      if (pseudo.has(name)) throw malformed(`${name} twice`);
      if (regularSeen) throw malformed(`${name} after a regular field`);
      pseudo.set(name, value);
      continue;
    }
    regularSeen = true;
    if (name !== name.toLowerCase()) throw malformed(`upper-case field name ${name}`);
    if (CONNECTION_SPECIFIC.has(name)) throw malformed(`connection-specific field ${name}`);
    if (name === "te" && value !== "trailers") throw malformed(`te: ${value}`);
    try {
      header.append(name, value);
    } catch {
      throw malformed(`field ${JSON.stringify(name.slice(0, 64))} or its value`);
    }
  }
  const method = pseudo.get(":method");
  const path = pseudo.get(":path");
  if (!method || !path || !pseudo.has(":scheme")) {
    throw malformed("a request without :method, :scheme or :path");
  }
  if (!path.startsWith("/")) throw malformed(`:path ${JSON.stringify(path.slice(0, 64))}`);
  const authority = pseudo.get(":authority") || fallbackAuthority;
  let url: URL;
  try {
    url = new URL(path, `${pseudo.get(":scheme") === "https" ? "https" : "http"}://${authority}`);
  } catch {
    throw malformed(`:authority ${JSON.stringify(authority.slice(0, 64))}`);
  }
  const length = header.get("content-length");
  if (length !== null && !/^\d{1,15}$/.test(length)) {
    throw malformed(`content-length ${JSON.stringify(length.slice(0, 64))}`);
  }
  return {
    method,
    url: url.href,
    header,
    contentLength: length === null ? undefined : Number(length),
  };
}

function malformed(what: string): StreamError {
  return new StreamError(ErrorCode.PROTOCOL_ERROR, `malformed request: ${what}`);
}

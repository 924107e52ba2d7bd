/**
 * The one rule about the `host` header. Collectors of 2021 send the
 * `host_name` tag under the key `host`. Over HTTP/2 the authority travels in
 * the `:authority` pseudo-header, so a `host` header is metadata the caller
 * set: that tag. Over HTTP/1.1 `host` is the Host header naming the
 * aggregator itself, never a tag. Listeners only report the HTTP version of
 * each call (the HTTP_VERSION context value); {@link hostNameAlias} alone
 * decides from it.
 *
 * @module
 */
import { createContextKey } from "@connectrpc/connect";

/**
 * The HTTP version of a call ("1.1" or "2.0"), set by listeners that can tell;
 * undefined when the listener cannot (Deno.serve), and `host` is then no tag.
 */
export const HTTP_VERSION = createContextKey<string | undefined>(undefined, {
  description: "HTTP version",
});

/** The `host_name` tag sent under its 2021 key `host`: that header over HTTP/2, else null. */
export function hostNameAlias(headers: Headers, httpVersion: string | undefined): string | null {
  return httpVersion === "2.0" ? headers.get("host") : null;
}

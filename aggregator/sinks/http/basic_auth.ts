/**
 * The credentials of HTTP Basic authentication (RFC 7617), in one place: a
 * sink sends them in its `Authorization` header, and its registry entry lists
 * the same string among the secrets the status page masks.
 *
 * @module
 */

/** `username:password`, base64-encoded, as the `Basic` scheme carries it. */
export function basicCredentials(username: string, password: string): string {
  return btoa(`${username}:${password}`);
}

/**
 * The collector's connect transports on the project's own HTTP/2 client
 * (shared/http2/client/): the options they share.
 *
 * @module
 */
export { transportOptions } from "./transport_options.ts";

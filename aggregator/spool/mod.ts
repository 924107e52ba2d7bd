/**
 * The durable spool between acceptance and delivery, and the two ways it
 * refuses points (full, unavailable).
 *
 * @module
 */
export { Spool, type SpoolState } from "./spool.ts";
export { SpoolFull, SpoolUnavailable } from "./refusal.ts";

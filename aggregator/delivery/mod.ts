/**
 * Delivery from the spool to the sinks: one loop per sink.
 *
 * @module
 */
export { DeliveryLoop } from "./loop.ts";

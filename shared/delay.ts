/**
 * Where `delay` was: kept for the modules of aggregator/delivery/ and
 * aggregator/sinks/ (being changed now) until they import shared/async/, then
 * removed.
 *
 * @module
 */
export { delay, type DelayOptions } from "./async/mod.ts";

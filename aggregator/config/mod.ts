/**
 * The aggregator's configuration, read from its `AGGREGATOR_*` variables with
 * the readers of shared/config/: the listeners, the spool, the limits, the
 * configured sinks (each parsed by its own folder) and the loss alerts.
 *
 * @module
 */
export { type AggregatorConfig, aggregatorConfig, type ListenerLimits } from "./config.ts";

/**
 * What one sink declares about itself, in its own folder: which part of the
 * configuration turns it on, how it is built, its startup line and its
 * `--check` probe. The registry lists the definitions, and the code that
 * builds, reports and checks sinks iterates over it instead of naming each
 * sink.
 *
 * @module
 */
import type { AggregatorConfig } from "../../shared/config/mod.ts";
import type { LossReporter } from "../notify/mod.ts";
import type { PayloadEncoder } from "./encoding/formats.ts";
import type { DeliveryCounters, Sink } from "./sink.ts";

/** The outcome of a `--check` probe: one plain line, passed or failed. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** What every sink is built with besides its own configuration. */
export interface SinkOptions {
  counters: DeliveryCounters;
  /** Told when points are finally lost (PagerDuty when configured). */
  losses?: LossReporter;
  encoder: PayloadEncoder;
}

/** A sink's declaration, typed by its name and its part of the configuration. */
export interface SinkDefinition<Name extends string, Config> {
  name: Name;
  /** Its part of the configuration, undefined when the sink is not configured. */
  configured(config: AggregatorConfig): Config | undefined;
  create(config: Config, options: SinkOptions): Sink<Name>;
  /** Where it sends and how, for the startup line `sink <name>: <description>`. */
  describe(config: Config): string;
  /** The `--check` probe, which sends no point; a sink without one is not probed. */
  probe?(config: Config, timeoutMs: number): Promise<ProbeResult>;
}

/** A sink the configuration turns on, with its configuration bound in. */
export interface ConfiguredSink<Name extends string> {
  name: Name;
  create(options: SinkOptions): Sink<Name>;
  description: string;
  probe?(timeoutMs: number): Promise<ProbeResult>;
}

/** A registry entry: binds a definition to the configuration, hiding its configuration type. */
export interface RegisteredSink<Name extends string> {
  name: Name;
  configure(config: AggregatorConfig): ConfiguredSink<Name> | undefined;
}

export function defineSink<Name extends string, Config>(
  definition: SinkDefinition<Name, Config>,
): RegisteredSink<Name> {
  const { name, probe } = definition;
  return {
    name,
    configure(config) {
      const own = definition.configured(config);
      if (own === undefined) return undefined;
      return {
        name,
        create: (options) => definition.create(own, options),
        description: definition.describe(own),
        probe: probe && ((timeoutMs) => probe(own, timeoutMs)),
      };
    },
  };
}

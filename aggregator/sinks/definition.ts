/**
 * What one sink declares about itself, in its own folder: the variable that
 * turns it on and its parser, the hosts its permissions need, the secrets the
 * status page must hide, how it is built, its startup line and its `--check`
 * probe. The registry lists the definitions, and the code that configures,
 * permits, builds, reports and checks sinks iterates over it instead of
 * naming each sink.
 *
 * @module
 */
import type { Env } from "../../shared/config/mod.ts";
import type { DeliveryCounters } from "../counters.ts";
import type { LossReporter } from "../notify/mod.ts";
import type { PayloadEncoder } from "./encoding/formats.ts";
import type { Sink } from "./sink.ts";

/** The outcome of a `--check` probe: one plain line, passed or failed. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** How long a probe waits for its destination, under `--check` and at startup. */
export const PROBE_TIMEOUT_MS = 10_000;

/** What every sink is built with besides its own configuration. */
export interface SinkOptions {
  counters: DeliveryCounters;
  /** Told when points are finally lost (PagerDuty when configured). */
  losses?: LossReporter;
  encoder: PayloadEncoder;
}

/** A sink's declaration, typed by its name and its configuration. */
export interface SinkDefinition<Name extends string, Config> {
  name: Name;
  /** The variable that turns the sink on, and a valid value of it for error messages. */
  variable: string;
  example: string;
  /** Its configuration from the environment, undefined when `variable` is unset. */
  parse(env: Env): Config | undefined;
  /** Where it sends: each URL's host and port is granted to the program (`--allow-net`). */
  destinations(config: Config): URL[];
  /** Secrets of its configuration, as they could appear in a destination's answer. */
  secrets(config: Config): (string | undefined)[];
  create(config: Config, options: SinkOptions): Sink<Name>;
  /** Where it sends and how, for the startup line `sink <name>: <description>`. */
  describe(config: Config): string;
  /** The `--check` probe, which sends no point; a sink without one is not probed. */
  probe?(config: Config, timeoutMs: number): Promise<ProbeResult>;
  /** Whether the probe also runs when the aggregator starts (it warns, never stops it). */
  probeAtStartup?(config: Config): boolean;
}

/** A sink the configuration turns on, with its configuration bound in. */
export interface ConfiguredSink<Name extends string> {
  name: Name;
  destinations: URL[];
  /** Its non-empty secrets. */
  secrets: string[];
  create(options: SinkOptions): Sink<Name>;
  description: string;
  probe?(timeoutMs: number): Promise<ProbeResult>;
  probeAtStartup: boolean;
}

/** A registry entry: binds a definition to the environment, hiding its configuration type. */
export interface RegisteredSink<Name extends string> {
  name: Name;
  variable: string;
  example: string;
  configure(env: Env): ConfiguredSink<Name> | undefined;
}

export function defineSink<Name extends string, Config>(
  definition: SinkDefinition<Name, Config>,
): RegisteredSink<Name> {
  const { name, variable, example, probe } = definition;
  return {
    name,
    variable,
    example,
    configure(env) {
      const own = definition.parse(env);
      if (own === undefined) return undefined;
      return {
        name,
        destinations: definition.destinations(own),
        secrets: definition.secrets(own).filter((secret): secret is string => !!secret),
        create: (options) => definition.create(own, options),
        description: definition.describe(own),
        probe: probe && ((timeoutMs) => probe(own, timeoutMs)),
        probeAtStartup: definition.probeAtStartup?.(own) ?? false,
      };
    },
  };
}

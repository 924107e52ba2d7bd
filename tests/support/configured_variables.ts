/**
 * Every environment variable the two programs read, taken from their
 * configuration code (TLS names come by prefix from shared/tls.ts) and the
 * sink registry (one variable per sink), for the
 * tests that hold the README to the code.
 *
 * @module
 */

import { SINKS } from "../../aggregator/sinks/registry.ts";
import { readRepositoryFile as read } from "./repository.ts";

/** The `MINI_COLLECTOR_*` and `AGGREGATOR_*` names the configuration modules read. */
export function configuredVariables(): Set<string> {
  const sources = [
    "collector/config/config.ts",
    "collector/config/kubernetes_tags.ts",
    "aggregator/config/config.ts",
    "aggregator/notify/config.ts",
  ].map(read);
  const names = new Set(
    sources.flatMap((source) =>
      source.match(/\b(MINI_COLLECTOR|AGGREGATOR)_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []
    ),
  );
  for (const sink of SINKS) names.add(sink.variable);
  const suffixes = read("shared/tls.ts").match(/(?<=\$\{prefix\})_[A-Z_]+/g) ?? [];
  for (const source of sources) {
    for (const [, prefix] of source.matchAll(/tlsMaterial\(env, "([A-Z_]+)"\)/g)) {
      for (const suffix of suffixes) names.add(`${prefix}${suffix}`);
    }
  }
  return names;
}

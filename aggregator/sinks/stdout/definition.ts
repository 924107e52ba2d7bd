/**
 * The stdout sink's registry entry: on with `AGGREGATOR_TEXT_CONFIGURATION`;
 * it has nothing to probe under `--check`.
 *
 * @module
 */
import { isSet } from "../../../shared/config/mod.ts";
import { defineSink } from "../definition.ts";
import { StdoutSink } from "./sink.ts";

/** Set, even empty, it turns the sink on (the Go original's switch). */
const TEXT_VARIABLE = "AGGREGATOR_TEXT_CONFIGURATION";

export const STDOUT = defineSink({
  name: "stdout",
  variable: TEXT_VARIABLE,
  example: `""`,
  parse: (env) => isSet(env, TEXT_VARIABLE) ? {} : undefined,
  destinations: () => [],
  secrets: () => [],
  create: (_, options) => new StdoutSink(undefined, options.encoder),
  describe: () => "one JSON line per point",
});

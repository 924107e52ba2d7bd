/**
 * The stdout sink's registry entry: on with `AGGREGATOR_TEXT_CONFIGURATION`;
 * it has nothing to probe under `--check`.
 *
 * @module
 */
import { defineSink } from "../definition.ts";
import { StdoutSink } from "./sink.ts";

export const STDOUT = defineSink({
  name: "stdout",
  configured: (config) => config.text || undefined,
  create: (_, options) => new StdoutSink(undefined, options.encoder),
  describe: () => "one JSON line per point",
});

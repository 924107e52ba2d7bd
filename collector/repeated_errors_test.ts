import assert from "node:assert/strict";
import { log, setupLogging } from "../shared/log.ts";
import { RepeatedErrors } from "./repeated_errors.ts";

Deno.test("each distinct error is logged at once, then once per period with its repeat count", () => {
  const lines: string[] = [];
  setupLogging({ debug: false, json: true, write: (line) => lines.push(line) });
  const errors = new RepeatedErrors(log("test"), 60_000);
  const bad = 'memory.current: not a number: "garbage"';
  const gone = "io.stat: cannot read: NotFound";
  errors.report([bad], 0);
  errors.report([bad, gone], 1_000);
  errors.report([bad], 2_000);
  errors.report([bad], 61_000);
  const records = lines.map((line) => JSON.parse(line));
  assert.deepEqual(
    records.map((r) => [r.level, r.properties.error, r.properties.repeats]),
    [["ERROR", bad, 0], ["ERROR", gone, 0], ["ERROR", bad, 2]],
  );
});

/**
 * A test file that records one scenario, for tests/e2e_summary_test.ts to run
 * before or after the summary in a `deno test` of its own.
 *
 * @module
 */
import { recordScenario } from "./support/e2e_summary.ts";

Deno.test("a scenario recorded for the summary", () => {
  recordScenario({
    scenario: "fixture scenario",
    produced: 3,
    stored: 3,
    result: "pass",
    notes: "-",
  });
});

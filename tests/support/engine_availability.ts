/**
 * What a real-engine test does when its engine cannot run here: on a
 * developer's machine it is skipped with the reason printed; where the
 * engines must be tested (`.ci/run` sets `MINI_COLLECTOR_TEST_ENGINES=required`,
 * having installed them), it fails with that reason instead.
 *
 * @module
 */

/** True when the test should be ignored; prints why. Throws when engines are required. */
export function skipEngineTest(engine: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  if (Deno.env.get("MINI_COLLECTOR_TEST_ENGINES") === "required") {
    throw new Error(
      `${engine} test cannot run, but MINI_COLLECTOR_TEST_ENGINES=required: ${reason}`,
    );
  }
  console.log(`${engine} test skipped: ${reason}`);
  return true;
}

/**
 * The end-to-end summary prints every scenario of a run whatever the order of
 * the files, and leaves nothing behind: a `deno test` of its own runs a file
 * recording a scenario before, then after, tests/e2e_zz_summary_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { REPOSITORY, runtimeEnv } from "./support/collector_process.ts";

const SUMMARY = "tests/e2e_zz_summary_test.ts";
// Beside the summary file: `deno test` keeps the order of files given from one directory.
const RECORDER = "tests/e2e_summary_fixture.ts";
const ROW = /^fixture scenario +\| pass +\| 3 +\| 3 +\| 0 /m;

async function runFiles(...files: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-env", ...files],
    cwd: REPOSITORY,
    clearEnv: true,
    env: runtimeEnv(),
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, stdout + new TextDecoder().decode(output.stderr));
  return stdout;
}

/** What the summary used to leave in the temp dir. */
function leftovers(): string[] {
  return [...Deno.readDirSync(tmpdir())].map((entry) => entry.name)
    .filter((name) => name.startsWith("mini-collector-e2e-summary-"));
}

Deno.test("the summary after the scenarios prints them as one table", async () => {
  const before = leftovers();
  const stdout = await runFiles(RECORDER, SUMMARY);
  assert.match(stdout, /^end-to-end summary \(1 scenario\)$/m);
  assert.match(stdout, ROW);
  assert.doesNotMatch(stdout, /again with/);
  assert.deepEqual(leftovers(), before);
});

Deno.test("a scenario recorded after the summary prints the table again, every row", async () => {
  const before = leftovers();
  const stdout = await runFiles(SUMMARY, RECORDER);
  assert.match(stdout, /^end-to-end summary: no scenario ran in this process$/m);
  const again = stdout.indexOf(
    "end-to-end summary, again with the 1 recorded after it (1 scenario)",
  );
  assert.ok(again >= 0, stdout);
  assert.match(stdout.slice(again), ROW);
  assert.deepEqual(leftovers(), before);
});

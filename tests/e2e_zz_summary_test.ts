/**
 * Runs after the other e2e files (file order): prints the end-to-end
 * scenarios' figures, recorded by the e2e tests of this run, as one table.
 * Files that record scenarios later print the table again themselves
 * (support/e2e_summary.ts).
 */
import { printSummary } from "./support/e2e_summary.ts";

Deno.test("end-to-end summary", () => {
  printSummary();
});

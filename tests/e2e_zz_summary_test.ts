/**
 * Runs last (file order): prints the end-to-end scenarios' figures, recorded
 * by the e2e_* tests of this run, as one table, and removes the record.
 */
import { readSummary, SUMMARY_FILE, summaryTable } from "./support/e2e_summary.ts";

Deno.test("end-to-end summary", async () => {
  const rows = await readSummary();
  await Deno.remove(SUMMARY_FILE).catch(() => {});
  if (rows.length === 0) {
    console.log("end-to-end summary: no scenario ran in this process");
    return;
  }
  console.log(`\nend-to-end summary (${rows.length} scenarios)\n${summaryTable(rows)}\n`);
});

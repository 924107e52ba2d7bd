/**
 * The end-to-end suite's summary: each scenario prints its figures and
 * appends them as one JSON line to a file named after this test process (so
 * concurrent runs do not mix), and tests/e2e_zz_summary_test.ts, the last
 * e2e file of the run, prints them as one table and removes the file (an e2e
 * file run on its own leaves its few lines behind in the temp dir).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { textTable } from "./text_table.ts";

export interface SummaryRow {
  scenario: string;
  /** Points the collectors produced (distinct sample times per container). */
  produced?: number;
  /** Of those, points the destination holds at the end (distinct). */
  stored?: number;
  /** Losses the scenario expects: 0, or the collector's logged drops. */
  expectedLost?: number;
  /** "pass" once the scenario's assertions held. */
  result: "pass" | "FAIL";
  /** Other figures: restarts, memory, counts. */
  notes: string;
}

export const SUMMARY_FILE = join(tmpdir(), `mini-collector-e2e-summary-${Deno.pid}.jsonl`);

/** Prints the row and keeps it for the final table. */
export async function recordScenario(row: SummaryRow): Promise<void> {
  console.log(`e2e ${formatRow(row)}`);
  await Deno.writeTextFile(SUMMARY_FILE, JSON.stringify(row) + "\n", { append: true });
}

export async function readSummary(): Promise<SummaryRow[]> {
  try {
    const text = await Deno.readTextFile(SUMMARY_FILE);
    return text.trim().split("\n").filter((line) => line).map((line) => JSON.parse(line));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function lost(row: SummaryRow): string {
  return row.produced === undefined || row.stored === undefined
    ? "-"
    : String(row.produced - row.stored);
}

function formatRow(row: SummaryRow): string {
  return `${row.scenario}: ${row.result}; produced ${row.produced ?? "-"}, stored ${
    row.stored ?? "-"
  }, lost ${lost(row)} (expected ${row.expectedLost ?? "-"}); ${row.notes}`;
}

/** The rows as an aligned text table. */
export function summaryTable(rows: SummaryRow[]): string {
  const header = ["scenario", "result", "produced", "stored", "lost", "expected lost", "notes"];
  const cells = rows.map((row) => [
    row.scenario,
    row.result,
    String(row.produced ?? "-"),
    String(row.stored ?? "-"),
    lost(row),
    String(row.expectedLost ?? "-"),
    row.notes,
  ]);
  return textTable(header, cells);
}

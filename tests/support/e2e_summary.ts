/**
 * The end-to-end suite's summary. Each scenario prints its figures and keeps
 * them as one JSON line in an environment variable of this test process:
 * `deno test` runs every test file in its own isolate, one after the other,
 * but in one process, so the variable is shared by the files of one run,
 * unseen by another run, and gone with the process — nothing is left in the
 * temp dir. tests/e2e_zz_summary_test.ts prints them as one table at the end
 * of the e2e files; a file that records a scenario after it (the fleet test,
 * which sorts later) prints the whole table again, every row, when it is
 * unloaded.
 */
import { plural } from "../../shared/plural.ts";
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

/** The scenarios recorded in this process, one JSON line each. */
const ROWS = `E2E_SUMMARY_ROWS_${Deno.pid}`;
/** How many of them the last printed table had; unset until the summary test ran. */
const PRINTED = `E2E_SUMMARY_PRINTED_${Deno.pid}`;

/** Prints the row and keeps it for the final table. */
export function recordScenario(row: SummaryRow): void {
  console.log(`e2e ${formatRow(row)}`);
  Deno.env.set(ROWS, (Deno.env.get(ROWS) ?? "") + JSON.stringify(row) + "\n");
}

export function readSummary(): SummaryRow[] {
  return (Deno.env.get(ROWS) ?? "").split("\n").filter((line) => line).map((line) =>
    JSON.parse(line)
  );
}

/** Prints every row recorded so far as one table, and remembers how many it printed. */
export function printSummary(): void {
  const rows = readSummary();
  const printed = Deno.env.get(PRINTED);
  Deno.env.set(PRINTED, String(rows.length));
  if (rows.length === 0) {
    console.log("end-to-end summary: no scenario ran in this process");
    return;
  }
  const title = printed === undefined
    ? `end-to-end summary (${plural(rows.length, "scenario")})`
    : `end-to-end summary, again with the ${rows.length - Number(printed)} recorded after it ` +
      `(${plural(rows.length, "scenario")})`;
  console.log(`\n${title}\n${summaryTable(rows)}\n`);
}

// A file that records a scenario after the summary was printed prints it again as it ends.
addEventListener("unload", () => {
  const printed = Deno.env.get(PRINTED);
  if (printed !== undefined && readSummary().length > Number(printed)) printSummary();
});

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

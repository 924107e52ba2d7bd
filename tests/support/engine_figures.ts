/**
 * The engine tests' comparison of the collector's figures with the engine's
 * own (`docker stats`, CRI ContainerStats) and the cgroup files: printed side
 * by side, then each checked within its stated tolerance.
 *
 * @module
 */
import assert from "node:assert/strict";
import { textTable } from "./text_table.ts";

export interface FigureRow {
  container: string;
  figure: string;
  collector: number;
  /** The engine's own figure, when it reports one. */
  engine?: number;
  files: number;
  /** The most the collector's figure may differ from each other one. */
  tolerance: number;
}

export function compareFigures(engineName: string, rows: readonly FigureRow[]): void {
  const cell = (value: number | undefined) => value === undefined ? "-" : value.toFixed(1);
  console.log(textTable(
    ["container", "figure", "collector", engineName, "cgroup files", "tolerance"],
    rows.map((row) => [
      row.container,
      row.figure,
      cell(row.collector),
      cell(row.engine),
      cell(row.files),
      `±${row.tolerance}`,
    ]),
  ));
  for (const row of rows) {
    for (const [name, value] of [[engineName, row.engine], ["cgroup files", row.files]] as const) {
      if (value === undefined) continue;
      assert.ok(
        Math.abs(row.collector - value) <= row.tolerance,
        `${row.container} ${row.figure}: collector ${row.collector}, ${name} ${value}`,
      );
    }
  }
}

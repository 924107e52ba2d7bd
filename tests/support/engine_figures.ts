/**
 * The engine tests' comparison of the collector's figures with the engine's
 * own (`docker stats`, CRI ContainerStats) and the cgroup files: printed side
 * by side, then each checked within its stated tolerance against the kernel's
 * figure over the same window (the collector's against the files, the
 * engine's against the files or, sampled over a window of its own, against
 * the files over that window).
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
  /**
   * The cgroup files over the engine's own window, when its figure is a rate
   * sampled over a window of its own (`docker stats`): the engine is then
   * held to that, and the collector to `files`, each over its own window.
   */
  engineFiles?: number;
  /** The most a figure may differ from the one it is held to. */
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
      row.engineFiles === undefined
        ? cell(row.files)
        : `${cell(row.files)} (${cell(row.engineFiles)} in ${engineName}'s window)`,
      `±${row.tolerance}`,
    ]),
  ));
  for (const row of rows) {
    const pairs: [string, number, string, number | undefined][] = [
      ["collector", row.collector, "cgroup files", row.files],
      row.engineFiles === undefined
        ? ["collector", row.collector, engineName, row.engine]
        : [engineName, row.engine!, "cgroup files in its window", row.engineFiles],
    ];
    for (const [name, value, otherName, other] of pairs) {
      if (other === undefined) continue;
      assert.ok(
        Math.abs(value - other) <= row.tolerance,
        `${row.container} ${row.figure}: ${name} ${value}, ${otherName} ${other}`,
      );
    }
  }
}

import assert from "node:assert/strict";
import type { Point } from "../stored_point.ts";
import { ContainerBoard } from "./containers.ts";

const NOW_MS = 1_800_000_000_000;

function point(container: string, time: number, metrics: Record<string, number>): Point {
  return {
    time,
    tags: { environment: "prod", service: "web", container, host_name: "h1" },
    metrics,
  };
}

Deno.test("the board keeps each container's latest point and its running state", () => {
  const board = new ContainerBoard();
  const t = NOW_MS / 1000;
  board.observe([
    point("a", t - 2, { running: 1, milli_cpu_usage: 10, memory_total_mb: 5 }),
    point("b", t - 1, { running: 0, milli_cpu_usage: 0, memory_total_mb: 0, pids_limit: 9 }),
  ], NOW_MS);
  board.observe([point("a", t - 5, { running: 1, milli_cpu_usage: 99 })], NOW_MS);
  board.observe([point("a", t, { running: 1, milli_cpu_usage: 20, cpu_limit_milli: 500 })], NOW_MS);
  const [a, b] = board.list(NOW_MS);
  assert.equal(a.tags.container, "a");
  assert.equal(a.time, t);
  assert.deepEqual(a.metrics, { milli_cpu_usage: 20, cpu_limit_milli: 500 });
  assert.equal(a.running, true);
  assert.equal(b.running, false);
  assert.deepEqual(b.metrics, {
    milli_cpu_usage: 0,
    memory_total_mb: 0,
    pids_limit: 9,
  });
  assert.equal(a.history.cpu.at(-1), 20);
});

Deno.test("the board holds at most its cap, counts what it leaves out, forgets the silent", () => {
  const board = new ContainerBoard(3);
  const t = NOW_MS / 1000;
  board.observe(["a", "b", "c", "d", "e"].map((name) => point(name, t, { running: 1 })), NOW_MS);
  assert.equal(board.size, 3);
  assert.equal(board.leftOut, 2);
  assert.deepEqual(board.list(NOW_MS).map((c) => c.tags.container), ["a", "b", "c"]);
  // Sixteen minutes later the three are silent: a new container takes a place.
  const later = NOW_MS + 16 * 60_000;
  board.observe([point("f", later / 1000, { running: 1 })], later);
  assert.deepEqual(board.list(later).map((c) => c.tags.container), ["f"]);
  assert.equal(board.leftOut, 2);
});

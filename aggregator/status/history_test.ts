import assert from "node:assert/strict";
import { ContainerHistory, SLOT_SECONDS, SLOTS } from "./history.ts";

const NOW = 1_800_000_000;

Deno.test("the ring keeps the latest point of each 10-second slot for 15 minutes", () => {
  const history = new ContainerHistory();
  history.record(NOW - 25, 100, 10, NOW);
  history.record(NOW - 21, 150, 15, NOW); // the same 10-second slot as NOW - 25
  history.record(NOW, 300, 30, NOW);
  const series = history.series(NOW);
  assert.equal(series.cpu.length, SLOTS);
  assert.equal(series.stepSeconds, SLOT_SECONDS);
  assert.equal(series.from + (SLOTS - 1) * SLOT_SECONDS, Math.floor(NOW / SLOT_SECONDS) * 10);
  assert.equal(series.cpu.at(-1), 300);
  assert.equal(series.memory.at(-1), 30);
  assert.equal(series.cpu.filter((value) => value !== null).length, 2);
  assert.ok(series.cpu.includes(150));
  assert.ok(!series.cpu.includes(100));
});

Deno.test("points older than 15 minutes or from the future stay out; old slots expire", () => {
  const history = new ContainerHistory();
  history.record(NOW - SLOTS * SLOT_SECONDS - 10, 1, 1, NOW);
  history.record(NOW + 3600, 2, 2, NOW);
  assert.deepEqual(history.series(NOW).cpu.filter((value) => value !== null), []);
  history.record(NOW, 5, 5, NOW);
  // Fifteen minutes later the slot's number no longer matches: it reads as empty.
  const later = NOW + SLOTS * SLOT_SECONDS;
  assert.deepEqual(history.series(later).cpu.filter((value) => value !== null), []);
  // An out-of-order point of an older slot never replaces a newer one in the same index.
  history.record(later, 7, 7, later);
  history.record(NOW, 6, 6, later);
  assert.deepEqual(history.series(later).cpu.filter((value) => value !== null), [7]);
});

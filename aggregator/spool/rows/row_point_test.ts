import assert from "node:assert/strict";
import { containerPoints } from "../../../tests/support/points.ts";
import { encodeRow } from "./row_codec.ts";
import { RowBody, RowPoint, rowSlices, slicedPoints } from "./row_point.ts";

const POINTS = containerPoints(6, 1_700_000_000);

Deno.test("a row point decodes its row only when looked at, and its time alone from the times", () => {
  const body = encodeRow(POINTS);
  // Damaged after the times: the times still read, the points do not.
  const damaged = new RowBody(body.subarray(0, 1 + 1 + 6 * 5 + 3));
  const point = new RowPoint(damaged, 4);
  assert.equal(point.time, POINTS[4].time);
  assert.throws(() => point.tags, /ends early/);
  const whole = new RowBody(body);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((index) => {
      const { time, tags, metrics } = new RowPoint(whole, index);
      return { time, tags, metrics };
    }),
    POINTS,
  );
});

Deno.test("a batch of row points is the slices of their rows, and decodes back to them", () => {
  const first = new RowBody(encodeRow(POINTS.slice(0, 4)));
  const second = new RowBody(encodeRow(POINTS.slice(4)));
  const batch = [2, 3].map((index) => new RowPoint(first, index))
    .concat([0, 1].map((index) => new RowPoint(second, index)));
  const slices = rowSlices(batch)!;
  assert.deepEqual(slices.map(({ from, to }) => [from, to]), [[2, 4], [0, 2]]);
  assert.deepEqual(slicedPoints(slices), POINTS.slice(2));
  const gap = rowSlices([new RowPoint(first, 0), new RowPoint(first, 2)])!;
  assert.deepEqual(gap.map(({ from, to }) => [from, to]), [[0, 1], [2, 3]]);
  assert.equal(rowSlices([...batch, POINTS[0]]), undefined, "a plain point has no row");
});

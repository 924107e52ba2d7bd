/**
 * The points the spool reads back, each still tied to the row body it came
 * from: a point decodes its row only when something looks at it (times alone
 * when only its time is asked for), and an encoder can tell which row slices
 * a batch of them is ({@link rowSlices}) and hand the bodies on undecoded —
 * the encoding worker decodes them itself, so the main thread neither decodes
 * a batch for delivery nor encodes it again for the worker.
 *
 * @module
 */
import type { Tags } from "../../../shared/tags.ts";
import type { Point } from "../../stored_point.ts";
import { decodeRow, decodeTimes } from "./row_codec.ts";

/** One row body, decoded on demand and at most once. */
export class RowBody {
  #times?: number[];
  #points?: Point[];

  constructor(readonly body: Uint8Array) {}

  times(): number[] {
    return this.#times ??= this.#points?.map((point) => point.time) ?? decodeTimes(this.body);
  }

  points(): Point[] {
    return this.#points ??= decodeRow(this.body);
  }
}

/** Point `index` of a row. */
export class RowPoint implements Point {
  constructor(readonly row: RowBody, readonly index: number) {}

  get time(): number {
    return this.row.times()[this.index];
  }

  get tags(): Tags {
    return this.row.points()[this.index].tags;
  }

  get metrics(): Record<string, number> {
    return this.row.points()[this.index].metrics;
  }
}

/** Points `from` (inclusive) to `to` (exclusive) of a row body. */
export interface RowSlice {
  body: Uint8Array;
  from: number;
  to: number;
}

/**
 * `points` as slices of their row bodies, consecutive points of one row in
 * one slice; undefined when a point is not a RowPoint.
 */
export function rowSlices(points: readonly Point[]): RowSlice[] | undefined {
  const slices: RowSlice[] = [];
  let last: { row: RowBody; slice: RowSlice } | undefined;
  for (const point of points) {
    if (!(point instanceof RowPoint)) return undefined;
    if (last?.row === point.row && last.slice.to === point.index) {
      last.slice.to++;
      continue;
    }
    last = {
      row: point.row,
      slice: { body: point.row.body, from: point.index, to: point.index + 1 },
    };
    slices.push(last.slice);
  }
  return slices;
}

/** The points of `slices`, decoded, in order. */
export function slicedPoints(slices: readonly RowSlice[]): Point[] {
  return slices.flatMap((slice) => decodeRow(slice.body).slice(slice.from, slice.to));
}

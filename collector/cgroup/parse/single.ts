/**
 * Files holding one value on one line: counters and gauges (`memory.current`,
 * `cpuacct.usage`, `pids.current`) and limits that may read `max`
 * (`memory.max`, `pids.max`).
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64 } from "./number.ts";

/** The limit a file reports as `max`: no limit. */
export const NO_LIMIT = "max";
export type Limit = bigint | typeof NO_LIMIT;

/** The file's only token, with surrounding whitespace (the trailing newline) removed. */
export function singleToken(text: string): string {
  const token = text.trim();
  if (token === "") throw new FormatError("the file is empty");
  if (/\s/.test(token)) throw new FormatError("expected a single value");
  return token;
}

/** A single unsigned 64-bit value. */
export function parseValue(text: string): bigint {
  return parseUint64(singleToken(text));
}

/** A single unsigned value or `max`. */
export function parseLimit(text: string): Limit {
  const token = singleToken(text);
  return token === NO_LIMIT ? NO_LIMIT : parseUint64(token);
}

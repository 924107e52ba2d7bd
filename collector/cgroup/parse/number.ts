/**
 * Number tokens as the kernel prints them in cgroup files: unsigned 64-bit
 * integers (checked against the uint64 range, never rounded) and the
 * two-decimal percentages of pressure stall information.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";

export const MAX_UINT64 = 2n ** 64n - 1n;

/** Parses a decimal unsigned integer that must fit uint64; `label` (a key) prefixes errors. */
export function parseUint64(token: string, label?: string): bigint {
  const prefix = label === undefined ? "" : `${label}: `;
  if (!/^[0-9]+$/.test(token)) {
    throw new FormatError(`${prefix}${quote(token)} is not an unsigned integer`);
  }
  const value = BigInt(token);
  if (value > MAX_UINT64) throw new FormatError(`${prefix}${token} does not fit in 64 bits`);
  return value;
}

/** Parses a PSI average such as `12.34`: a percentage between 0 and 100. */
export function parsePercentage(token: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(token)) {
    throw new FormatError(`${quote(token)} is not a percentage`);
  }
  const value = Number(token);
  if (value > 100) throw new FormatError(`${token} is more than 100 percent`);
  return value;
}

/** Quotes a token for a message, shortening garbage so one line stays one line. */
export function quote(token: string): string {
  return JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}…` : token);
}

/**
 * Flat keyed files, one `key value` pair per line: memory.stat, cpu.stat,
 * memory.events, memory.oom_control. Values are kept as text and parsed only
 * when asked for, so an unusual value under a key nobody reads harms nothing.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64, quote } from "./number.ts";

export class KeyedValues {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The unsigned value under `key`; a missing key or a bad value is a FormatError. */
  uint(key: string): bigint {
    const token = this.values.get(key);
    if (token === undefined) throw new FormatError(`no ${quote(key)} line`);
    return parseUint64(token, key);
  }

  /** The value under `key`, or undefined when the kernel does not print that key. */
  optionalUint(key: string): bigint | undefined {
    return this.has(key) ? this.uint(key) : undefined;
  }

  /** The cgroup v1 hierarchical value (`total_<key>`) when present, else `<key>`. */
  hierarchicalUint(key: string): bigint {
    return this.uint(this.has(`total_${key}`) ? `total_${key}` : key);
  }
}

export function parseKeyed(text: string): KeyedValues {
  const values = new Map<string, string>();
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new FormatError("the file is empty");
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2) throw new FormatError(`line ${quote(line)} is not "key value"`);
    values.set(fields[0], fields[1]);
  }
  return new KeyedValues(values);
}

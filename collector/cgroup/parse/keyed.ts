/**
 * Flat keyed files, one `key value` pair per line: memory.stat, cpu.stat,
 * memory.events, memory.oom_control. Values are kept as text and parsed only
 * when asked for, so an unusual value under a key nobody reads harms nothing.
 *
 * A file in the kernel's exact form (every line `key value` with one space,
 * each line ending in a newline) is checked with one regular expression and
 * its values are then found in the text itself: memory.stat has dozens of
 * lines, read for a handful of keys every poll, and splitting it into lines
 * and pairs was the largest part of reading a cgroup. Any other file is split
 * line by line, which names the first line that is not a pair. Either way a
 * key listed twice means its first line.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64, quote } from "./number.ts";

export class KeyedValues {
  constructor(private readonly valueOf: (key: string) => string | undefined) {}

  has(key: string): boolean {
    return this.valueOf(key) !== undefined;
  }

  /** The unsigned value under `key`; a missing key or a bad value is a FormatError. */
  uint(key: string): bigint {
    const token = this.valueOf(key);
    if (token === undefined) throw new FormatError(`no ${quote(key)} line`);
    return parseUint64(token, key);
  }

  /** The value under `key`, or undefined when the kernel does not print that key. */
  optionalUint(key: string): bigint | undefined {
    const token = this.valueOf(key);
    return token === undefined ? undefined : parseUint64(token, key);
  }

  /** The cgroup v1 hierarchical value (`total_<key>`) when present, else `<key>`. */
  hierarchicalUint(key: string): bigint {
    return this.uint(this.has(`total_${key}`) ? `total_${key}` : key);
  }
}

/** Every line `key value`, one space between two runs of non-blanks, newline-terminated. */
const KERNEL_FORM = /^(?:\S+ \S+\n)+$/;

export function parseKeyed(text: string): KeyedValues {
  if (KERNEL_FORM.test(text)) return new KeyedValues((key) => valueInText(text, key));
  const values = new Map<string, string>();
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new FormatError("the file is empty");
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2) throw new FormatError(`line ${quote(line)} is not "key value"`);
    if (!values.has(fields[0])) values.set(fields[0], fields[1]);
  }
  return new KeyedValues((key) => values.get(key));
}

/** The value on the first line of `text` (in the kernel's form) that starts with `key `. */
function valueInText(text: string, key: string): string | undefined {
  const prefix = `${key} `;
  let start: number;
  if (text.startsWith(prefix)) start = prefix.length;
  else {
    const at = text.indexOf(`\n${prefix}`);
    if (at < 0) return undefined;
    start = at + 1 + prefix.length;
  }
  return text.slice(start, text.indexOf("\n", start));
}

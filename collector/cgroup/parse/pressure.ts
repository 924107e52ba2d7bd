/**
 * Pressure stall information (`cpu.pressure`, `memory.pressure`, `io.pressure`):
 * `some avg10=… avg60=… avg300=… total=…` and, on most resources, a `full` line.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parsePercentage, parseUint64, quote } from "./number.ts";

export interface Pressure {
  someAvg10?: number;
  fullAvg10?: number;
}

export function parsePressure(text: string): Pressure {
  const pressure: Pressure = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const kind = line.slice(0, 5);
    const avg10 = valueOf(line, "avg10");
    const total = valueOf(line, "total");
    if ((kind !== "some " && kind !== "full ") || avg10 === undefined || total === undefined) {
      throw new FormatError(`line ${quote(line)} is not "some|full avg10=… total=…"`);
    }
    parseUint64(total);
    pressure[kind === "some " ? "someAvg10" : "fullAvg10"] = parsePercentage(avg10);
  }
  if (pressure.someAvg10 === undefined) throw new FormatError('no "some" line');
  return pressure;
}

/** The text after ` key=` up to the next blank, or undefined without that pair. */
function valueOf(line: string, key: string): string | undefined {
  const at = line.indexOf(` ${key}=`);
  if (at < 0) return undefined;
  const start = at + key.length + 2;
  const end = line.indexOf(" ", start);
  return line.slice(start, end < 0 ? line.length : end).trim();
}

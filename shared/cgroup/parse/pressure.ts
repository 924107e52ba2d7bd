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
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind === "") continue;
    const values = new Map(pairs.map((pair) => pair.split("=") as [string, string]));
    const avg10 = values.get("avg10");
    const total = values.get("total");
    if ((kind !== "some" && kind !== "full") || avg10 === undefined || total === undefined) {
      throw new FormatError(`line ${quote(line)} is not "some|full avg10=… total=…"`);
    }
    parseUint64(total);
    pressure[kind === "some" ? "someAvg10" : "fullAvg10"] = parsePercentage(avg10);
  }
  if (pressure.someAvg10 === undefined) throw new FormatError('no "some" line');
  return pressure;
}

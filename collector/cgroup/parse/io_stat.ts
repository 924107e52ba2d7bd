/**
 * cgroup v2 `io.stat`: one line per device, `MAJ:MIN rbytes=… wbytes=… rios=…
 * wios=… dbytes=… dios=…` (possibly with more keys). An empty file means no I/O yet.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64, quote } from "./number.ts";
import type { Transfer } from "./transfer.ts";

interface IoStat {
  bytes: Transfer;
  operations: Transfer;
}

/** Sums rbytes/wbytes and rios/wios over all devices. */
export function parseIoStat(text: string): IoStat {
  const stat: IoStat = { bytes: { read: 0n, write: 0n }, operations: { read: 0n, write: 0n } };
  for (const line of text.split("\n")) {
    const [device, ...pairs] = line.trim().split(/\s+/);
    if (device === "") continue;
    if (!/^\d+:\d+$/.test(device)) throw new FormatError(`line ${quote(line)} has no MAJ:MIN`);
    const values = new Map<string, string>();
    for (const pair of pairs) {
      const [key, value, extra] = pair.split("=");
      if (value === undefined || extra !== undefined) {
        throw new FormatError(`${quote(pair)} on device ${device} is not "key=value"`);
      }
      values.set(key, value);
    }
    const field = (key: string): bigint => {
      const value = values.get(key);
      if (value === undefined) throw new FormatError(`device ${device} has no ${key}`);
      return parseUint64(value, `device ${device} ${key}`);
    };
    stat.bytes.read += field("rbytes");
    stat.bytes.write += field("wbytes");
    stat.operations.read += field("rios");
    stat.operations.write += field("wios");
  }
  return stat;
}

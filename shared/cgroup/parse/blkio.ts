/**
 * cgroup v1 blkio tables (`blkio.io_service_bytes_recursive`,
 * `blkio.throttle.io_serviced`, ...): `MAJ:MIN Op value` lines, Op one of
 * Read/Write/Sync/Async/Discard/Total, closed by a `Total value` line.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64, quote } from "./number.ts";
import type { Transfer } from "./transfer.ts";

const OPERATIONS = new Set(["Read", "Write", "Sync", "Async", "Discard", "Total"]);

export interface BlkioTable extends Transfer {
  /** Devices listed; 0 when the table is empty or holds only `Total 0`. */
  devices: number;
}

/** Sums the Read and Write rows over all devices. An empty file is an empty table. */
export function parseBlkioTable(text: string): BlkioTable {
  const table: BlkioTable = { read: 0n, write: 0n, devices: 0 };
  const devices = new Set<string>();
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === "") continue;
    if (fields.length === 2 && fields[0] === "Total") {
      parseUint64(fields[1]);
      continue;
    }
    if (fields.length !== 3 || !/^\d+:\d+$/.test(fields[0]) || !OPERATIONS.has(fields[1])) {
      throw new FormatError(`line ${quote(line)} is not "MAJ:MIN Operation value"`);
    }
    devices.add(fields[0]);
    const value = parseUint64(fields[2]);
    if (fields[1] === "Read") table.read += value;
    if (fields[1] === "Write") table.write += value;
  }
  table.devices = devices.size;
  return table;
}

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
const DEVICE = /^\d+:\d+$/;

export interface BlkioTable extends Transfer {
  /** Devices listed; 0 when the table is empty or holds only `Total 0`. */
  devices: number;
}

/**
 * Sums the Read and Write rows over all devices. An empty file is an empty
 * table. Only the values summed are parsed: the kernel lists each device's
 * rows together, six per device, so this runs every poll over many lines.
 */
export function parseBlkioTable(text: string): BlkioTable {
  const table: BlkioTable = { read: 0n, write: 0n, devices: 0 };
  let device = "";
  for (const line of text.split("\n")) {
    const fields = line.indexOf("\t") < 0 && line.trim().length === line.length
      ? line.split(" ")
      : line.trim().split(/\s+/);
    if (fields[0] === "") continue;
    if (fields.length === 2 && fields[0] === "Total") {
      parseUint64(fields[1]);
      continue;
    }
    if (fields.length !== 3 || !OPERATIONS.has(fields[1]) || !DEVICE.test(fields[0])) {
      throw new FormatError(`line ${quote(line)} is not "MAJ:MIN Operation value"`);
    }
    if (fields[0] !== device) {
      device = fields[0];
      table.devices++;
    }
    if (fields[1] === "Read") table.read += parseUint64(fields[2]);
    else if (fields[1] === "Write") table.write += parseUint64(fields[2]);
  }
  return table;
}

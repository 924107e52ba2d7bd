/**
 * The demo's view of the aggregator's stdout points, in the manner of
 * `docker stats`: one row per container (short id, environment/service,
 * running, CPU, memory, disk I/O, pids) from its latest point. On a terminal
 * the whole table is redrawn in place ({@link StatsTable.frame} with
 * {@link redraw}); elsewhere each point is printed as one row with its time
 * ({@link pointRow}).
 *
 * @module
 */

/** One JSON line of the aggregator's stdout sink. */
export interface StdoutPoint {
  unix_time: number;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

const COLUMNS = [
  ["CONTAINER ID", 12],
  ["SERVICE", 26],
  ["RUNNING", 7],
  ["CPU", 13],
  ["MEM / LIMIT", 18],
  ["IO R / W KiB/s", 15],
  ["IOPS R / W", 10],
  ["PIDS", 0],
] as const;

function cells(values: string[]): string {
  return values.map((value, index) => value.padEnd(COLUMNS[index][1])).join("   ").trimEnd();
}

/** A limit, or "-" when unknown (negative) or absent. */
function limit(value: number | undefined, unit = ""): string {
  return value === undefined || value < 0 ? "-" : `${value}${unit}`;
}

export const HEADER = cells(COLUMNS.map(([title]) => title));

/** The container's row from one point. */
export function statsRow({ tags, metrics: m }: StdoutPoint): string {
  const service = [tags.environment, tags.service].join("/") +
    (tags.database ? ` (${tags.database})` : tags.app ? ` (${tags.app})` : "");
  return cells([
    tags.container.slice(0, 12),
    service,
    m.running ? "true" : "false",
    `${m.milli_cpu_usage}m / ${limit(m.cpu_limit_milli, "m")}`,
    `${m.memory_total_mb} / ${limit(m.memory_limit_mb)} MiB`,
    `${m.disk_read_kbps} / ${m.disk_write_kbps}`,
    `${m.disk_read_iops} / ${m.disk_write_iops}`,
    `${m.pids_current} / ${limit(m.pids_limit)}`,
  ]);
}

/** The point as one line: its time (UTC) and its row. */
export function pointRow(point: StdoutPoint): string {
  return `${new Date(point.unix_time * 1000).toISOString().slice(11, 19)}  ${statsRow(point)}`;
}

/** The latest point of each container, as a table ordered by service then id. */
export class StatsTable {
  readonly #latest = new Map<string, StdoutPoint>();

  /** Takes a stdout line; returns its point. */
  add(line: string): StdoutPoint {
    const point = JSON.parse(line) as StdoutPoint;
    const seen = this.#latest.get(point.tags.container);
    if (!seen || seen.unix_time <= point.unix_time) this.#latest.set(point.tags.container, point);
    return point;
  }

  /** The header and one row per container. */
  frame(): string[] {
    const points = [...this.#latest.values()].sort((a, b) =>
      `${a.tags.service} ${a.tags.container}` < `${b.tags.service} ${b.tags.container}` ? -1 : 1
    );
    return [HEADER, ...points.map(statsRow)];
  }
}

/**
 * The terminal text that replaces the `previousLines` lines last written
 * (each ended by a newline) with `lines`: cursor up, clear to the end of the
 * screen, the new lines, to be ended by a newline.
 */
export function redraw(previousLines: number, lines: string[]): string {
  const up = previousLines > 0 ? `\x1b[${previousLines}F` : "";
  return `${up}\x1b[J${lines.join("\n")}`;
}

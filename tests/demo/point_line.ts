/**
 * One aggregator stdout point (a JSON line of the stdout sink) as one short
 * human line: time, container, CPU, memory, disk I/O and usage, pids.
 */

interface StdoutPoint {
  unix_time: number;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

function limit(value: number | undefined, unit = ""): string {
  return value === undefined || value < 0 ? "-" : `${value}${unit}`;
}

export function pointLine(json: string): string {
  const { unix_time, tags, metrics: m } = JSON.parse(json) as StdoutPoint;
  const time = new Date(unix_time * 1000).toISOString().slice(11, 19);
  const cpuLimit = m.cpu_limit_milli === undefined ? "" : ` of ${m.cpu_limit_milli}m`;
  const disk = m.disk_usage_mb === undefined || m.disk_usage_mb < 0
    ? ""
    : `  vol ${m.disk_usage_mb}/${m.disk_limit_mb} MiB`;
  return [
    time,
    tags.host_name,
    m.running ? "up  " : "DOWN",
    `cpu ${String(m.milli_cpu_usage).padStart(4)}m${cpuLimit}`,
    `mem ${m.memory_total_mb}/${limit(m.memory_limit_mb)} MiB (rss ${m.memory_rss_mb})`,
    `io r ${m.disk_read_kbps} w ${m.disk_write_kbps} KiB/s, ${m.disk_read_iops}/${m.disk_write_iops} op/s`,
    `pids ${m.pids_current}/${limit(m.pids_limit)}${disk}`,
  ].join("  ");
}

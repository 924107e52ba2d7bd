/**
 * CPU time and memory of another process, from /proc/<pid>/stat (utime +
 * stime, in clock ticks), /proc/<pid>/task/<pid>/stat (the same for its main
 * thread alone: the aggregator encodes for its sinks in a worker thread) and
 * /proc/<pid>/status (VmRSS, VmHWM). Deno grants
 * reads under /proc only with --allow-all (docs/ARCHITECTURE.md, "Platform
 * facts"), so the files are read
 * by a `cat` subprocess.
 */

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  /** User + system CPU time so far, milliseconds. */
  cpuMs: number;
  /**
   * CPU time so far of the threads alive now, milliseconds, to the
   * nanosecond (/proc/<pid>/task/<tid>/schedstat): for a window over a few
   * polls, where the 10 ms clock tick of `cpuMs` is too coarse.
   */
  threadsCpuMs: number;
  /** The ids of the threads alive now, sorted: a window whose threads changed cannot use `threadsCpuMs`. */
  threadIds: string;
  /** User + system CPU time of the main thread so far, milliseconds. */
  mainThreadCpuMs: number;
  /** Resident set size now, MiB. */
  rssMib: number;
  /** Peak resident set size so far, MiB. */
  peakRssMib: number;
}

export async function processUsage(pid: number): Promise<ProcessUsage> {
  const [stat, mainStat, status, schedstats] = await catFiles(
    `/proc/${pid}/stat`,
    `/proc/${pid}/task/${pid}/stat`,
    `/proc/${pid}/status`,
    `/proc/${pid}/task/*/schedstat`,
  );
  const threads = schedstats.trim().split("\n").map((line) => {
    const [path, ns] = line.split(":");
    return { id: path.split("/")[4], ns: Number(ns.split(" ")[0]) };
  });
  return {
    cpuMs: statTicks(stat) * 1000 / TICKS_PER_SECOND,
    threadsCpuMs: threads.reduce((sum, thread) => sum + thread.ns, 0) / 1e6,
    threadIds: threads.map((thread) => thread.id).sort().join(","),
    mainThreadCpuMs: statTicks(mainStat) * 1000 / TICKS_PER_SECOND,
    rssMib: statusKib(status, "VmRSS") / 1024,
    peakRssMib: statusKib(status, "VmHWM") / 1024,
  };
}

/** The load average over 1, 5 and 15 minutes, as /proc/loadavg says it. */
export async function loadAverage(): Promise<string> {
  const [text] = await catFiles("/proc/loadavg");
  return text.split(" ").slice(0, 3).join(" ");
}

/** utime + stime (fields 14 and 15) of one `stat` line of a process or thread, clock ticks. */
export function statTicks(stat: string): number {
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** The command name (field 2) of one `stat` line. */
export function statName(stat: string): string {
  return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
}

function statusKib(status: string, key: string): number {
  const match = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
  if (!match) throw new Error(`no ${key} in /proc status`);
  return Number(match[1]);
}

/**
 * The text of each file, read by one `cat` (files are separated by a NUL we
 * print between them); a path with `*` is a glob, its files' lines joined,
 * each after its file's path and a colon (a file that goes meanwhile is left
 * out).
 */
async function catFiles(...paths: string[]): Promise<string[]> {
  const script = paths.map((path, index) =>
    path.includes("*") ? `grep -H '' ${path} 2>/dev/null || true` : `cat "$${index + 1}"`
  )
    .join("; printf '\\0'; ");
  const output = await new Deno.Command("sh", {
    args: ["-c", script, "sh", ...paths],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`reading ${paths.join(", ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout).split("\0");
}

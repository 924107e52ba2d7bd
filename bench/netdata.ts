/**
 * netdata (Debian `netdata-core`) as the host-mode bench's cost peer: a C
 * daemon whose cgroups collector samples every container's CPU, memory, I/O
 * and pids each second, which operators already run for this job. It runs in
 * the foreground with its own configuration in a scratch directory: only the
 * cgroups collector on (no other collector, no web server, no health checks,
 * charts kept in RAM, its API on a loopback port only to tell when it charts
 * every container), the cgroup v1 controllers read even on a hybrid host
 * (`use unified cgroups = no`), and only the bench's containers charted (a
 * pattern on their ids' shared prefix, so other cgroups on a shared machine
 * are not counted). Debian's package lacks `cgroup-name.sh`, without which
 * netdata makes no cgroup charts: a stand-in names each cgroup after its last
 * path segment.
 *
 * Its cost is read like ours, from `/proc/<pid>/stat` (the whole process) and
 * `/proc/<pid>/task/<tid>/stat` of its threads named `PLUGIN[cgroups]` (the
 * collector and its discovery worker).
 *
 * @module
 */
import { join } from "node:path";
import { freePort } from "../tests/support/aggregator.ts";
import { type ProcessUsage, processUsage, statName, statTicks, TICKS_PER_SECOND } from "./proc.ts";

const NETDATA = "/usr/sbin/netdata";
const PLUGINS = "/usr/lib/netdata/plugins.d";
const STOCK_CONFIG = "/usr/lib/netdata/conf.d";
const CGROUPS_THREAD = "PLUGIN[cgroups]";

/** Whether netdata is installed here; a reason when not. */
export async function netdataMissing(): Promise<string | undefined> {
  try {
    await Deno.stat(NETDATA);
    return undefined;
  } catch {
    return `${NETDATA} is not installed (Debian netdata-core)`;
  }
}

function configuration(directory: string, idPrefix: string, port: number): string {
  return `[global]
    run as user = root
    hostname = mini-collector-bench
[db]
    mode = ram
    update every = 1
[directories]
    config = ${directory}
    stock config = ${STOCK_CONFIG}
    cache = ${directory}/cache
    lib = ${directory}/lib
    log = ${directory}/log
    home = ${directory}
    plugins = ${PLUGINS}
[logs]
    debug log = none
    error log = ${directory}/log/error.log
    access log = none
[web]
    mode = static-threaded
    bind to = 127.0.0.1:${port}
[health]
    enabled = no
[ml]
    enabled = no
[statsd]
    enabled = no
[plugins]
    enable running new plugins = no
    proc = no
    diskspace = no
    tc = no
    idlejitter = no
    timex = no
    checks = no
    statsd = no
    cgroups = yes
[plugin:cgroups]
    update every = 1
    check for new cgroups every = 10
    use unified cgroups = no
    script to get cgroup names = ${directory}/cgroup-name.sh
    enable by default cgroups matching = /docker/${idPrefix}* !*
    enable by default cgroups names matching = *
    enable cpuacct stats = yes
    enable cpuacct usage = yes
    enable cpuacct cpu throttling = yes
    enable memory = yes
    enable detailed memory = yes
    enable memory limits fail count = yes
    enable blkio bandwidth = yes
    enable blkio operations = yes
    enable blkio throttle bandwidth = yes
    enable blkio throttle operations = yes
`;
}

const NAME_SCRIPT = `#!/bin/sh
# Stands in for netdata's cgroup-name.sh: a cgroup is named after its last path segment.
echo "\${1##*/}"
`;

export interface NetdataUsage extends ProcessUsage {
  /** CPU of its PLUGIN[cgroups] threads so far, milliseconds. */
  cgroupsThreadsCpuMs: number;
}

export class NetdataPeer {
  private constructor(
    readonly pid: number,
    readonly directory: string,
    readonly idPrefix: string,
    readonly port: number,
    readonly child: Deno.ChildProcess,
  ) {}

  /** Starts netdata charting the cgroups `docker/<idPrefix>…`, with its files under `directory`. */
  static async start(directory: string, idPrefix: string): Promise<NetdataPeer> {
    for (const sub of ["cache", "lib", "log"]) {
      await Deno.mkdir(join(directory, sub), { recursive: true });
    }
    const port = freePort();
    await Deno.writeTextFile(
      join(directory, "netdata.conf"),
      configuration(directory, idPrefix, port),
    );
    await Deno.writeTextFile(join(directory, "cgroup-name.sh"), NAME_SCRIPT, { mode: 0o755 });
    const child = new Deno.Command("sh", {
      args: ["-c", `exec ${NETDATA} -D -c "$1/netdata.conf"`, "sh", directory],
      cwd: directory,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    return new NetdataPeer(child.pid, directory, idPrefix, port, child);
  }

  /** How many of the bench's containers netdata charts now (0 until its API answers). */
  async chartedContainers(): Promise<number> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/charts`);
      const { charts } = await response.json() as { charts: Record<string, unknown> };
      const prefix = `cgroup_${this.idPrefix}`;
      return Object.keys(charts).filter((id) => id.startsWith(prefix) && id.endsWith(".mem_usage"))
        .length;
    } catch {
      return 0;
    }
  }

  async usage(): Promise<NetdataUsage> {
    const [usage, threads] = await Promise.all([
      processUsage(this.pid),
      threadTicks(this.pid, CGROUPS_THREAD),
    ]);
    return { ...usage, cgroupsThreadsCpuMs: threads * 1000 / TICKS_PER_SECOND };
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 10_000);
    await this.child.status;
    clearTimeout(timer);
  }
}

/** utime + stime of the process's threads named `name`, clock ticks. */
async function threadTicks(pid: number, name: string): Promise<number> {
  const output = await new Deno.Command("sh", {
    args: ["-c", `cat /proc/$1/task/*/stat 2>/dev/null`, "sh", String(pid)],
    stdout: "piped",
  }).output();
  let ticks = 0;
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    if (line !== "" && statName(line) === name) ticks += statTicks(line);
  }
  return ticks;
}

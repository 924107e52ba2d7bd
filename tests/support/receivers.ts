/**
 * Real metric receivers for integration tests, from their Debian packages,
 * started on 127.0.0.1 with free ports and temporary data directories:
 * VictoriaMetrics (accepts Datadog v1 series) and InfluxDB 1.x (line
 * protocol, with authentication on; VictoriaMetrics also restartable on the
 * same port and data for outage tests). `receiversMissing()` installs the
 * packages when they are absent and the tests run as root, and otherwise
 * says why the tests must be skipped.
 */
import { settledWithin, withDeadline } from "./deadline.ts";
import { delay } from "../../shared/async/mod.ts";

/** A receiver's answer to one request (readiness, query) must come within this. */
const REQUEST_TIMEOUT_MS = 30_000;
/** SIGTERM gets this long before SIGKILL, and SIGKILL as long again. */
const STOP_TIMEOUT_MS = 20_000;

export interface Receiver {
  url: URL;
  stop(): Promise<void>;
}

export interface InfluxdbReceiver extends Receiver {
  username: string;
  password: string;
  /** Runs an InfluxQL statement as the admin user; returns the JSON answer. */
  query(statement: string, database?: string): Promise<unknown>;
}

const PACKAGES = { "victoria-metrics": "victoria-metrics", influxd: "influxdb" };

let installation: Promise<string | undefined> | undefined;

/** Why the receivers cannot run here, or undefined once their binaries are present. */
export function receiversMissing(): Promise<string | undefined> {
  return installation ??= install();
}

async function install(): Promise<string | undefined> {
  const missing = Object.entries(PACKAGES).filter(([binary]) => !findBinary(binary));
  if (missing.length === 0) return undefined;
  const packages = missing.map(([, name]) => name);
  if (Deno.uid() !== 0) {
    return `${missing.map(([binary]) => binary).join(", ")} not installed and not root: ` +
      `apt-get install ${packages.join(" ")} to run these tests`;
  }
  if (!await run("apt-get", "install", "-y", ...packages)) {
    await run("apt-get", "update");
    if (!await run("apt-get", "install", "-y", ...packages)) {
      return `apt-get install ${packages.join(" ")} failed`;
    }
  }
  return undefined;
}

async function run(command: string, ...args: string[]): Promise<boolean> {
  const output = await new Deno.Command(command, {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    console.log(`${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return output.success;
}

export function findBinary(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/usr/sbin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/**
 * Starts `binary`, waits until `ready` answers 2xx, and stops it on `stop`
 * (removing `dir` unless `keep` is set).
 */
export async function start(
  binary: string,
  args: string[],
  dir: string,
  url: URL,
  ready: string,
  keep = false,
) {
  const child = new Deno.Command(findBinary(binary)!, {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()])
    .then((texts) => texts.join(""));
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    if (!await settledWithin(child.status, STOP_TIMEOUT_MS) && !exited) child.kill("SIGKILL");
    await withDeadline(output, STOP_TIMEOUT_MS, `waiting for ${binary} to exit`);
    if (!keep) await Deno.remove(dir, { recursive: true });
  };
  for (let tries = 0;; tries++) {
    try {
      const response = await fetch(new URL(ready, url), {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) return stop;
    } catch {
      // not listening yet
    }
    if (exited || tries > 300) {
      await stop();
      throw new Error(`${binary} did not become ready: ${(await output).slice(-2000)}`);
    }
    await delay(50);
  }
}

/** VictoriaMetrics; `/datadog/api/v1/series` accepts Datadog v1 payloads. */
export async function startVictoriaMetrics(): Promise<Receiver> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-vm-" });
  const url = new URL(`http://127.0.0.1:${freePort()}/`);
  return { url, stop: await runVictoriaMetrics(dir, url, false) };
}

/** A VictoriaMetrics that can be stopped and started again on the same port and data. */
export interface RestartableReceiver extends Receiver {
  /** Stops the process, keeping its data. */
  pause(): Promise<void>;
  /** Starts it again after `pause`. */
  resume(): Promise<void>;
}

export async function startRestartableVictoriaMetrics(): Promise<RestartableReceiver> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-vm-" });
  const url = new URL(`http://127.0.0.1:${freePort()}/`);
  let stopProcess: (() => Promise<void>) | undefined = await runVictoriaMetrics(dir, url, true);
  const pause = async () => {
    await stopProcess?.();
    stopProcess = undefined;
  };
  return {
    url,
    pause,
    resume: async () => void (stopProcess ??= await runVictoriaMetrics(dir, url, true)),
    stop: async () => {
      await pause();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function runVictoriaMetrics(dir: string, url: URL, keep: boolean) {
  return start(
    "victoria-metrics",
    [
      `-httpListenAddr=${url.host}`,
      `-storageDataPath=${dir}/data`,
      "-search.latencyOffset=1s",
      "-loggerLevel=ERROR",
    ],
    dir,
    url,
    "/health",
    keep,
  );
}

/** InfluxDB 1.x with authentication on and an admin user; nothing but HTTP listens. */
export async function startInfluxdb(): Promise<InfluxdbReceiver> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-influxdb-" });
  const url = new URL(`http://127.0.0.1:${freePort()}/`);
  await Deno.writeTextFile(
    `${dir}/influxdb.conf`,
    `reporting-enabled = false
bind-address = "127.0.0.1:${freePort()}"
[meta]
  dir = "${dir}/meta"
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "${url.host}"
  auth-enabled = true
  log-enabled = false
  pprof-enabled = false
`,
  );
  const stop = await start(
    "influxd",
    ["run", "-config", `${dir}/influxdb.conf`],
    dir,
    url,
    "/ping",
  );
  const username = "admin";
  const password = "pa ss,w=rd";
  const query = async (statement: string, database?: string) => {
    const form = new URLSearchParams({
      q: statement,
      epoch: "s",
      ...(database ? { db: database } : {}),
    });
    const response = await fetch(new URL("/query", url), {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`${username}:${password}`)}` },
      body: form,
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`InfluxDB ${statement}: ${JSON.stringify(answer)}`);
    return answer;
  };
  // With no user yet, InfluxDB lets anyone create the first admin.
  await query(`CREATE USER ${username} WITH PASSWORD '${password}' WITH ALL PRIVILEGES`);
  return { url, stop, username, password, query };
}

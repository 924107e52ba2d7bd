/**
 * A real Docker Engine for the tests (Debian's `docker.io`), started as
 * root without touching the host's network: its own data root, exec root,
 * pidfile, socket and containerd namespace in a temporary directory,
 * `--iptables=false --ip-masq=false --bridge=none`, every container
 * `--network none`, and one image imported offline from busybox-static
 * (busybox_rootfs.ts). {@link DockerEngine.close} removes every container,
 * stops dockerd by its pid and deletes the directory.
 *
 * @module
 */
import { join } from "node:path";
import { DaemonProcess, removeDaemonDirectory } from "./daemon_process.ts";
import { busyboxRootfsTar, hasBusybox } from "./busybox_rootfs.ts";
import { sh } from "./live_cgroup.ts";
import { waitUntil } from "./until.ts";

export const DOCKER_IMAGE = "mini-collector-busybox:test";

/** Why a Docker Engine cannot be started here, or undefined when it can. */
export async function dockerUnavailable(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not running as root (dockerd needs root)";
  for (const program of ["dockerd", "docker"]) {
    if ((await sh(`command -v ${program} || true`)).trim() === "") {
      return `${program} is not installed (Debian package docker.io)`;
    }
  }
  if (!await hasBusybox()) return "/bin/busybox is missing (Debian package busybox-static)";
  return undefined;
}

/** One `docker stats --no-stream` row, as numbers. */
export interface DockerStats {
  cpuPercent: number;
  memoryMib: number;
  pids: number;
}

export class DockerEngine implements AsyncDisposable {
  readonly socket: string;
  readonly dataRoot: string;
  readonly #daemon: DaemonProcess;

  private constructor(readonly directory: string) {
    this.socket = join(directory, "docker.sock");
    this.dataRoot = join(directory, "data");
    this.#daemon = new DaemonProcess("dockerd", [
      "--data-root",
      this.dataRoot,
      "--exec-root",
      join(directory, "exec"),
      "--pidfile",
      join(directory, "dockerd.pid"),
      "-H",
      `unix://${this.socket}`,
      "--containerd-namespace",
      `mini-collector-test-${Deno.pid}`,
      "--iptables=false",
      "--ip-masq=false",
      "--bridge=none",
    ]);
  }

  /** Starts dockerd, waits until it answers, and imports {@link DOCKER_IMAGE}. */
  static async start(): Promise<DockerEngine> {
    const directory = await Deno.makeTempDir({ prefix: "mini-collector-dockerd-" });
    const engine = new DockerEngine(directory);
    try {
      await waitUntil(
        async () => (await engine.#run(["version"])).success,
        30_000,
        "dockerd answering on its socket",
      );
      await engine.docker("import", await busyboxRootfsTar(directory), DOCKER_IMAGE);
    } catch (error) {
      await engine.close();
      throw new Error(`${(error as Error).message}\ndockerd log:\n${engine.#daemon.log}`);
    }
    return engine;
  }

  get pid(): number {
    return this.#daemon.pid;
  }

  /** Runs the docker CLI against this engine; its trimmed stdout, or an error with its stderr. */
  async docker(...args: string[]): Promise<string> {
    const { success, stdout, stderr } = await this.#run(args);
    if (!success) throw new Error(`docker ${args.join(" ")}: ${stderr}`);
    return stdout.trim();
  }

  /** `docker run -d --network none <options> IMAGE <command>`; the new container's id. */
  run(options: string[], command: string): Promise<string> {
    return this.docker(
      "run",
      "-d",
      "--network",
      "none",
      ...options,
      DOCKER_IMAGE,
      "sh",
      "-c",
      command,
    );
  }

  /** The engine's own figures for one container (`docker stats --no-stream`). */
  async stats(containerId: string): Promise<DockerStats> {
    const row = JSON.parse(
      await this.docker("stats", "--no-stream", "--format", "{{json .}}", containerId),
    );
    return {
      cpuPercent: parseFloat(row.CPUPerc),
      memoryMib: mebibytes(String(row.MemUsage).split("/")[0].trim()),
      pids: Number(row.PIDs),
    };
  }

  async #run(args: string[]): Promise<{ success: boolean; stdout: string; stderr: string }> {
    const output = await new Deno.Command("docker", {
      args: ["-H", `unix://${this.socket}`, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: output.success,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  /** Removes every container, stops dockerd (SIGTERM, then SIGKILL) and deletes its directory. */
  async close(): Promise<void> {
    try {
      const ids = (await this.#run(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
      if (ids.length > 0) await this.#run(["rm", "-f", ...ids]);
    } finally {
      await this.#daemon.stop();
      await removeDaemonDirectory(this.directory);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** `12.5MiB`, `800KiB`, `1.2GiB` → MiB. */
function mebibytes(text: string): number {
  const match = /^([\d.]+)\s*(B|KiB|MiB|GiB|kB|MB|GB)$/.exec(text);
  if (!match) throw new Error(`docker stats: cannot read the memory figure "${text}"`);
  const scale: Record<string, number> = {
    B: 1 / 1024 / 1024,
    KiB: 1 / 1024,
    MiB: 1,
    GiB: 1024,
    kB: 1000 / 1024 / 1024,
    MB: 1e6 / 1024 / 1024,
    GB: 1e9 / 1024 / 1024,
  };
  return parseFloat(match[1]) * scale[match[2]];
}

/**
 * A real containerd with its CRI plugin for the tests (Debian's `containerd`
 * and `runc`), as an instance of its own: its own config, root, state, opt
 * directory, runc root and socket in a temporary directory, no CNI
 * configuration (pods use the host's network), AppArmor off and OOM score
 * adjustments restricted (the machine grants no CAP_SYS_RESOURCE), and two
 * busybox images imported offline (image_archive.ts), the pause image with
 * its own id. There is no kubelet: {@link ContainerdEngine.runPod} creates a
 * pod and its containers through the CRI API as the kubelet would (cgroup
 * parent `/kubepods/burstable/pod<uid>`, the `io.kubernetes.*` labels, host
 * network, no hostname). {@link ContainerdEngine.close} removes every pod,
 * stops containerd by its pid, removes the pod cgroup directories (the
 * kubelet's job) and deletes the directory.
 *
 * @module
 */
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CriClient } from "../../collector/host/cri_client.ts";
import {
  ContainerConfigSchema,
  NamespaceMode,
  type PodSandboxConfig,
  PodSandboxConfigSchema,
  RuntimeService,
} from "../../shared/gen/runtime/v1/cri_pb.ts";
import { DaemonProcess, removeDaemonDirectory } from "./daemon_process.ts";
import { hasBusybox } from "./busybox_rootfs.ts";
import { busyboxImageArchive } from "./image_archive.ts";
import { sh } from "./live_cgroup.ts";
import { waitUntil } from "./until.ts";

export const CONTAINERD_IMAGE = "docker.io/library/mini-collector-busybox:test";
const PAUSE_IMAGE = "docker.io/library/mini-collector-pause:test";
const NAMESPACE = "k8s.io";
const CGROUP = "/sys/fs/cgroup";

/** Why containerd cannot be started here, or undefined when it can. */
export async function containerdUnavailable(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not running as root (containerd needs root)";
  for (
    const [program, pkg] of [["containerd", "containerd"], ["ctr", "containerd"], ["runc", "runc"]]
  ) {
    if ((await sh(`command -v ${program} || true`)).trim() === "") {
      return `${program} is not installed (Debian package ${pkg})`;
    }
  }
  if (!await hasBusybox()) return "/bin/busybox is missing (Debian package busybox-static)";
  return undefined;
}

export interface ContainerSpec {
  name: string;
  /** A shell script run by busybox sh. */
  script: string;
  cpuQuotaMilli?: number;
  memoryLimitBytes?: number;
}

export interface PodSpec {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  containers: ContainerSpec[];
}

export interface RunningPod {
  uid: string;
  sandboxId: string;
  config: PodSandboxConfig;
  /** Container id by container name. */
  containers: Record<string, string>;
}

export class ContainerdEngine implements AsyncDisposable {
  readonly socket: string;
  readonly cri: CriClient;
  readonly pods: RunningPod[] = [];
  readonly #daemon: DaemonProcess;

  /** Whether the kubepods cgroups existed before this engine (else they are removed at the end). */
  #kubepodsExisted = true;

  private constructor(readonly directory: string, config: string) {
    this.socket = join(directory, "containerd.sock");
    this.cri = new CriClient(this.socket, 30_000);
    this.#daemon = new DaemonProcess("containerd", ["--config", config]);
  }

  /** Writes the config, starts containerd, waits for its socket and imports the images. */
  static async start(): Promise<ContainerdEngine> {
    const directory = await Deno.makeTempDir({ prefix: "mc-ctrd-" });
    const config = join(directory, "config.toml");
    await Deno.mkdir(join(directory, "cni"));
    await Deno.writeTextFile(config, await ownConfig(directory));
    const engine = new ContainerdEngine(directory, config);
    engine.#kubepodsExisted =
      (await sh(`ls -d ${CGROUP}/*/kubepods ${CGROUP}/kubepods 2>/dev/null || true`))
        .trim() !== "";
    try {
      await waitUntil(
        async () => (await engine.#ctr("version")).success,
        30_000,
        "containerd answering on its socket",
      );
      for (
        const [name, reference, command] of [
          ["busybox", CONTAINERD_IMAGE, ["sh"]],
          ["pause", PAUSE_IMAGE, ["sleep", "2147483647"]],
        ] as const
      ) {
        const archive = await busyboxImageArchive(directory, name, reference, [...command]);
        const imported = await engine.#ctr("images", "import", archive);
        if (!imported.success) throw new Error(`ctr images import ${name}: ${imported.stderr}`);
      }
    } catch (error) {
      await engine.close();
      throw new Error(`${(error as Error).message}\ncontainerd log:\n${engine.#daemon.log}`);
    }
    return engine;
  }

  get pid(): number {
    return this.#daemon.pid;
  }

  /** Runs a pod as the kubelet would (burstable QoS, host network) and starts its containers. */
  async runPod(spec: PodSpec): Promise<RunningPod> {
    const uid = crypto.randomUUID();
    const podLabels = {
      ...spec.labels,
      "io.kubernetes.pod.name": spec.name,
      "io.kubernetes.pod.namespace": spec.namespace,
      "io.kubernetes.pod.uid": uid,
    };
    const config = create(PodSandboxConfigSchema, {
      metadata: { name: spec.name, namespace: spec.namespace, uid, attempt: 0 },
      labels: podLabels,
      linux: {
        cgroupParent: `/kubepods/burstable/pod${uid}`,
        securityContext: { namespaceOptions: { network: NamespaceMode.NODE } },
      },
    });
    const { podSandboxId } = await this.cri.call(RuntimeService.method.runPodSandbox, { config });
    const pod: RunningPod = { uid, sandboxId: podSandboxId, config, containers: {} };
    this.pods.push(pod);
    for (const container of spec.containers) {
      pod.containers[container.name] = await this.startContainer(pod, container);
    }
    return pod;
  }

  /** Creates and starts a container in `pod` (a new one, as the kubelet does on a restart). */
  async startContainer(pod: RunningPod, spec: ContainerSpec, attempt = 0): Promise<string> {
    const period = 100_000n;
    const { containerId } = await this.cri.call(RuntimeService.method.createContainer, {
      podSandboxId: pod.sandboxId,
      sandboxConfig: pod.config,
      config: create(ContainerConfigSchema, {
        metadata: { name: spec.name, attempt },
        image: { image: CONTAINERD_IMAGE },
        command: ["sh", "-c", spec.script],
        labels: {
          "io.kubernetes.container.name": spec.name,
          "io.kubernetes.pod.name": pod.config.metadata!.name,
          "io.kubernetes.pod.namespace": pod.config.metadata!.namespace,
          "io.kubernetes.pod.uid": pod.uid,
        },
        linux: {
          resources: {
            cpuPeriod: spec.cpuQuotaMilli ? period : 0n,
            cpuQuota: spec.cpuQuotaMilli ? period * BigInt(spec.cpuQuotaMilli) / 1000n : 0n,
            memoryLimitInBytes: BigInt(spec.memoryLimitBytes ?? 0),
            memorySwapLimitInBytes: BigInt(spec.memoryLimitBytes ?? 0),
          },
        },
      }),
    });
    await this.cri.call(RuntimeService.method.startContainer, { containerId });
    return containerId;
  }

  /** `ctr tasks <verb> <id>` in the CRI namespace (pause, resume: no CRI call does that). */
  async task(verb: "pause" | "resume", containerId: string): Promise<void> {
    const result = await this.#ctr("tasks", verb, containerId);
    if (!result.success) throw new Error(`ctr tasks ${verb}: ${result.stderr}`);
  }

  /** The runtime's own figures (CRI ContainerStats): CPU time in ns, working set in bytes. */
  async stats(containerId: string): Promise<{ cpuNs: bigint; workingSetBytes: bigint }> {
    const { stats } = await this.cri.call(RuntimeService.method.containerStats, { containerId });
    return {
      cpuNs: stats?.cpu?.usageCoreNanoSeconds?.value ?? 0n,
      workingSetBytes: stats?.memory?.workingSetBytes?.value ?? 0n,
    };
  }

  async #ctr(...args: string[]): Promise<{ success: boolean; stderr: string }> {
    const output = await new Deno.Command("ctr", {
      args: ["-a", this.socket, "-n", NAMESPACE, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return { success: output.success, stderr: new TextDecoder().decode(output.stderr) };
  }

  /**
   * Stops and removes every pod (their containers with them), stops
   * containerd, removes the pod cgroups and deletes the directory.
   */
  async close(): Promise<void> {
    try {
      for (const { sandboxId } of this.pods) {
        await this.cri.call(RuntimeService.method.stopPodSandbox, { podSandboxId: sandboxId })
          .catch(() => {});
        await this.cri.call(RuntimeService.method.removePodSandbox, { podSandboxId: sandboxId })
          .catch(() => {});
      }
    } finally {
      this.cri[Symbol.dispose]();
      await this.#daemon.stop();
      await sh(
        `for uid in "$@"; do for d in "${CGROUP}"/*/kubepods/burstable/pod$uid ` +
          `"${CGROUP}"/kubepods/burstable/pod$uid; do [ -d "$d" ] && rmdir "$d"; done; done; true`,
        ...this.pods.map((pod) => pod.uid),
      );
      if (!this.#kubepodsExisted) {
        await sh(
          `for d in "${CGROUP}"/*/kubepods "${CGROUP}"/kubepods; do ` +
            `[ -d "$d" ] && rmdir "$d/burstable" "$d" 2>/dev/null; done; true`,
        );
      }
      await removeDaemonDirectory(this.directory);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** `containerd config default` with every path moved into `directory` and the settings this machine needs. */
async function ownConfig(directory: string): Promise<string> {
  const output = await new Deno.Command("containerd", {
    args: ["config", "default"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const replacements: [RegExp, string][] = [
    [/^root = .*$/m, `root = "${directory}/root"`],
    [/^state = .*$/m, `state = "${directory}/state"`],
    [
      /^(\s*)address = "\/run\/containerd\/containerd\.sock"$/m,
      `$1address = "${directory}/containerd.sock"`,
    ],
    [/^(\s*)path = "\/opt\/containerd"$/m, `$1path = "${directory}/opt"`],
    [/^(\s*)Root = ""$/m, `$1Root = "${directory}/runc"`],
    [/^(\s*)conf_dir = "\/etc\/cni\/net\.d"$/m, `$1conf_dir = "${directory}/cni"`],
    [/^(\s*)disable_apparmor = false$/m, "$1disable_apparmor = true"],
    [/^(\s*)restrict_oom_score_adj = false$/m, "$1restrict_oom_score_adj = true"],
    [/^(\s*)sandbox_image = .*$/m, `$1sandbox_image = "${PAUSE_IMAGE}"`],
  ];
  let config = new TextDecoder().decode(output.stdout);
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(config)) throw new Error(`containerd config default: no line ${pattern}`);
    config = config.replace(pattern, replacement);
  }
  return config;
}

/**
 * containerd (or another CRI runtime) on a Kubernetes node as the runtime of
 * per-host mode: containers are the cgroups the kubelet laid out
 * (kubepods_layout.ts), their tags come from the runtime's CRI API on its
 * unix socket (cri_client.ts: ListPodSandbox and ListContainers) through the
 * configured mapping (pod_tags.ts). Pod sandbox (pause) containers are left
 * out: they are the runtime's, but run nothing of the pod's.
 *
 * The runtime is asked at most once per poll, and only when a cgroup appears
 * that the last listing did not cover; between, the listing is kept. A
 * cgroup the runtime does not list is unknown (another runtime's, or one
 * created after the listing and gone before the next). When the runtime
 * cannot be asked, the listing fails and host mode keeps sampling the
 * containers it knows (containers.ts); it asks again at the next poll.
 *
 * @module
 */
import type { KubernetesTagMapping } from "../config/mod.ts";
import { RuntimeService } from "../../shared/gen/runtime/v1/cri_pb.ts";
import { log } from "../../shared/log.ts";
import { CriClient } from "./cri_client.ts";
import { discoverKubepodsContainers } from "./kubepods_layout.ts";
import { podTags } from "./pod_tags.ts";
import type { ContainerRuntime, HostContainer, TagLookup } from "./runtime.ts";

export interface ContainerdOptions {
  criSocket: string;
  kubernetesTags: KubernetesTagMapping;
}

const logger = log("collector", "containerd");

/** Labels the kubelet sets on every container, used when the pod's sandbox is not listed. */
const KUBELET_LABELS = {
  namespace: "io.kubernetes.pod.namespace",
  podName: "io.kubernetes.pod.name",
  podUid: "io.kubernetes.pod.uid",
  containerName: "io.kubernetes.container.name",
} as const;

export class ContainerdRuntime implements ContainerRuntime {
  readonly name = "containerd";
  readonly description: string;
  #client: CriClient;
  /** Tags of each container the last listing returned. */
  #tags = new Map<string, TagLookup>();
  #sandboxes = new Set<string>();
  /** The cgroup ids the last listing covered. */
  #covered = new Set<string>();

  constructor(private readonly options: ContainerdOptions) {
    this.#client = new CriClient(options.criSocket);
    this.description = `the CRI API on ${options.criSocket} (ListPodSandbox, ListContainers)`;
  }

  async list(cgroupRoot: string): Promise<HostContainer[]> {
    const found = await discoverKubepodsContainers(cgroupRoot);
    if (found.some(({ containerId }) => !this.#covered.has(containerId))) {
      await this.#ask();
      this.#covered = new Set(found.map(({ containerId }) => containerId));
    }
    return found.filter(({ containerId }) => !this.#sandboxes.has(containerId));
  }

  tags(containers: readonly HostContainer[]): Promise<Map<string, TagLookup>> {
    const where = `not listed by ${this.options.criSocket}`;
    return Promise.resolve(
      new Map(containers.map(({ containerId }) => [
        containerId,
        this.#tags.get(containerId) ?? { unknown: where },
      ])),
    );
  }

  async #ask(): Promise<void> {
    const { items } = await this.#client.call(RuntimeService.method.listPodSandbox, {});
    const { containers } = await this.#client.call(RuntimeService.method.listContainers, {});
    const pods = new Map(items.map((pod) => [pod.id, pod]));
    logger.debug("asked {socket}: {pods} pod sandboxes, {containers} containers", {
      socket: this.options.criSocket,
      pods: items.length,
      containers: containers.length,
    });
    this.#sandboxes = new Set(pods.keys());
    this.#tags = new Map(containers.map((container) => {
      const pod = pods.get(container.podSandboxId);
      const label = (name: string) => container.labels[name] || undefined;
      return [
        container.id,
        podTags({
          namespace: pod?.metadata?.namespace || label(KUBELET_LABELS.namespace),
          podName: pod?.metadata?.name || label(KUBELET_LABELS.podName),
          podUid: pod?.metadata?.uid || label(KUBELET_LABELS.podUid),
          containerName: container.metadata?.name || label(KUBELET_LABELS.containerName),
          containerId: container.id,
          labels: pod?.labels ?? {},
        }, this.options.kubernetesTags),
      ];
    }));
  }

  [Symbol.dispose](): void {
    this.#client[Symbol.dispose]();
  }
}

/**
 * Where the kubelet puts a pod's containers' cgroups, for containerd and
 * CRI-O nodes:
 *
 * - cgroupfs driver: `kubepods/pod<uid>/<id>` (Guaranteed QoS),
 *   `kubepods/burstable/pod<uid>/<id>`, `kubepods/besteffort/pod<uid>/<id>`;
 * - systemd driver: `kubepods.slice/kubepods-pod<uid_>.slice/<runtime>-<id>.scope`,
 *   and for the two other QoS classes
 *   `kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<runtime>-<id>.scope`,
 *   where `<uid_>` is the pod uid with its dashes turned into underscores (a
 *   dash nests systemd slices) and `<runtime>` is `cri-containerd` or `crio`.
 *
 * The pod's sandbox (pause) container has a cgroup there too, beside its
 * containers; only the runtime can tell it apart (containerd.ts).
 *
 * @module
 */
import { type CgroupPattern, matchCgroups } from "../cgroup/mod.ts";
import { containersOf } from "./docker_layout.ts";
import type { HostContainer } from "./runtime.ts";

const ID = "(?<id>[0-9a-f]{64})";
/** A pod uid's groups of hex digits, joined by `-` (cgroupfs) or `_` (systemd). */
const uid = (separator: string) =>
  [8, 4, 4, 4, 12].map((digits) => `[0-9a-f]{${digits}}`).join(separator);
const UID = uid("-");
const SYSTEMD_UID = uid("_");
const QOS_CLASSES = ["burstable", "besteffort"] as const;
const SCOPE = new RegExp(`(?:cri-containerd|crio)-${ID}\\.scope`);

const PATTERNS: readonly CgroupPattern[] = [
  ["kubepods", new RegExp(`pod${UID}`), new RegExp(ID)],
  ...QOS_CLASSES.map((qos) => ["kubepods", qos, new RegExp(`pod${UID}`), new RegExp(ID)]),
  ["kubepods.slice", new RegExp(`kubepods-pod${SYSTEMD_UID}\\.slice`), SCOPE],
  ...QOS_CLASSES.map((qos) => [
    "kubepods.slice",
    `kubepods-${qos}.slice`,
    new RegExp(`kubepods-${qos}-pod${SYSTEMD_UID}\\.slice`),
    SCOPE,
  ]),
];

/** The containers (and pod sandboxes) whose cgroups the kubelet laid out below `root`, sorted by id. */
export async function discoverKubepodsContainers(root: string): Promise<HostContainer[]> {
  return containersOf(await matchCgroups(root, PATTERNS));
}

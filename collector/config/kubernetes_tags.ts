/**
 * How a Kubernetes container's points are tagged in per-host mode on a CRI
 * runtime (`MINI_COLLECTOR_KUBERNETES_TAGS`): for each tag, the facts tried
 * in order, the first non-empty one winning. The facts are what the runtime
 * knows of a pod: its namespace, name, uid and labels, and the container's
 * name and id.
 *
 * The default follows what the tags mean elsewhere: an environment is a
 * namespace (one per stage or team on most clusters); a service is what the
 * recommended label `app.kubernetes.io/name` names, else the container's name
 * (stable across a Deployment's pods, unlike the pod name); an app is
 * `app.kubernetes.io/part-of`, else the namespace; `container` is the
 * container id (as in every other mode); `host_name` is the pod name, which
 * says where a point came from as a Docker hostname does. The variable
 * overrides tags one by one, e.g. `{"environment":["label:stage","namespace"]}`.
 *
 * @module
 */
import { ConfigError, type Env, jsonObject } from "../../shared/config/mod.ts";
import { refuseUnknownKeys } from "../../shared/config/mod.ts";
import { OPTIONAL_TAGS, REQUIRED_TAGS, type TagName } from "../../shared/tags.ts";

export const KUBERNETES_TAGS = "MINI_COLLECTOR_KUBERNETES_TAGS";

/** A fact of a pod or container; `label:<key>` is one of the pod's labels. */
export type PodFact =
  | "namespace"
  | "pod_name"
  | "pod_uid"
  | "container_name"
  | "container_id"
  | `label:${string}`;

export const POD_FACTS = [
  "namespace",
  "pod_name",
  "pod_uid",
  "container_name",
  "container_id",
] as const;

/** For each tag, the facts tried in order; none: the tag is not sent (optional tags only). */
export type KubernetesTagMapping = Record<TagName, readonly PodFact[]>;

export const DEFAULT_KUBERNETES_TAGS: KubernetesTagMapping = {
  environment: ["namespace"],
  service: ["label:app.kubernetes.io/name", "container_name"],
  app: ["label:app.kubernetes.io/part-of", "namespace"],
  database: [],
  container: ["container_id"],
  host_name: ["pod_name"],
};

const EXAMPLE = '{"environment":["label:stage","namespace"]}';
const TAG_NAMES: readonly TagName[] = [...REQUIRED_TAGS, ...OPTIONAL_TAGS];

/** The default mapping with the variable's tags in place of their defaults. */
export function kubernetesTagMapping(env: Env): KubernetesTagMapping {
  const object = jsonObject(env, KUBERNETES_TAGS, EXAMPLE) ?? {};
  refuseUnknownKeys(object, KUBERNETES_TAGS, TAG_NAMES, EXAMPLE);
  const mapping = { ...DEFAULT_KUBERNETES_TAGS };
  for (const [tag, value] of Object.entries(object) as [TagName, unknown][]) {
    mapping[tag] = facts(tag, value);
  }
  return mapping;
}

function facts(tag: TagName, value: unknown): PodFact[] {
  const list = typeof value === "string" ? [value] : value;
  const where = `"${tag}"`;
  if (!Array.isArray(list)) {
    throw new ConfigError(KUBERNETES_TAGS, `${where} must be a fact or a list of facts`, EXAMPLE);
  }
  if (list.length === 0 && (REQUIRED_TAGS as readonly string[]).includes(tag)) {
    throw new ConfigError(KUBERNETES_TAGS, `${where} is required: it needs a fact`, EXAMPLE);
  }
  return list.map((fact) => {
    const known = (POD_FACTS as readonly unknown[]).includes(fact) ||
      (typeof fact === "string" && /^label:\S+$/.test(fact));
    if (!known) {
      throw new ConfigError(
        KUBERNETES_TAGS,
        `${where}: ${JSON.stringify(fact)} is not a fact (${POD_FACTS.join(", ")}, label:<key>)`,
        EXAMPLE,
      );
    }
    return fact as PodFact;
  });
}

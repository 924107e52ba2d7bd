/**
 * The tags of a Kubernetes container from what the CRI runtime knows of it
 * and its pod, by the mapping of `MINI_COLLECTOR_KUBERNETES_TAGS`
 * (collector/config/kubernetes_tags.ts): per tag, the first of its facts that
 * is not empty. Checked as the aggregator checks tags; a required tag with no
 * value, or a value the aggregator would refuse, skips the container with a
 * sentence naming the tag and the facts tried.
 *
 * @module
 */
import type { KubernetesTagMapping, PodFact } from "../config/mod.ts";
import type { TagName } from "../../shared/tags.ts";
import { tagHeaders } from "../tags.ts";
import { checkContainerTags } from "./checked_tags.ts";
import type { TagLookup } from "./runtime.ts";

/** What the runtime says of one container and its pod. */
export interface PodFacts {
  namespace?: string;
  podName?: string;
  podUid?: string;
  containerName?: string;
  containerId: string;
  /** The pod's labels. */
  labels: Readonly<Record<string, string>>;
}

const REQUIRED: readonly TagName[] = ["environment", "service", "container", "host_name"];

export function podTags(facts: PodFacts, mapping: KubernetesTagMapping): TagLookup {
  const values: Partial<Record<TagName, string>> = {};
  const origins: Partial<Record<TagName, string>> = {};
  for (const [tag, tried] of Object.entries(mapping) as [TagName, readonly PodFact[]][]) {
    for (const fact of tried) {
      const value = factValue(facts, fact);
      if (!value) continue;
      values[tag] = value;
      origins[tag] = fact;
      break;
    }
    if (values[tag] === undefined && REQUIRED.includes(tag)) {
      return {
        skip: `no ${tag}: none of ${tried.join(", ")} has a value for pod ${
          facts.namespace ?? "?"
        }/${facts.podName ?? "?"}`,
      };
    }
  }
  const checked = checkContainerTags(
    tagHeaders({
      environment: values.environment!,
      service: values.service!,
      containerId: values.container!,
      hostName: values.host_name!,
      app: values.app,
      database: values.database,
    }),
    (tag) => origins[tag as TagName],
  );
  return "problem" in checked ? { skip: checked.problem } : checked;
}

function factValue(facts: PodFacts, fact: PodFact): string | undefined {
  switch (fact) {
    case "namespace":
      return facts.namespace;
    case "pod_name":
      return facts.podName;
    case "pod_uid":
      return facts.podUid;
    case "container_name":
      return facts.containerName;
    case "container_id":
      return facts.containerId;
    default:
      return facts.labels[fact.slice("label:".length)];
  }
}

import assert from "node:assert/strict";
import { DEFAULT_KUBERNETES_TAGS } from "../config/mod.ts";
import { podTags } from "./pod_tags.ts";

const ID = "7".repeat(64);
const FACTS = {
  namespace: "shop",
  podName: "web-5d9c7b8f6-x2x7q",
  podUid: "5f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7",
  containerName: "nginx",
  containerId: ID,
  labels: { "app.kubernetes.io/name": "storefront", "app.kubernetes.io/part-of": "retail" },
};

Deno.test("podTags by default: namespace, the recommended labels, container id, pod name", () => {
  assert.deepEqual(podTags(FACTS, DEFAULT_KUBERNETES_TAGS), {
    tags: {
      environment: "shop",
      service: "storefront",
      app: "retail",
      container: ID,
      host_name: "web-5d9c7b8f6-x2x7q",
      host: "web-5d9c7b8f6-x2x7q",
    },
  });
});

Deno.test("podTags falls back: the container name for service, the namespace for app", () => {
  assert.deepEqual(podTags({ ...FACTS, labels: {} }, DEFAULT_KUBERNETES_TAGS), {
    tags: {
      environment: "shop",
      service: "nginx",
      app: "shop",
      container: ID,
      host_name: "web-5d9c7b8f6-x2x7q",
      host: "web-5d9c7b8f6-x2x7q",
    },
  });
});

Deno.test("podTags follows an overriding mapping, and skips naming what is missing or refused", () => {
  const mapping = { ...DEFAULT_KUBERNETES_TAGS, environment: ["label:stage"] as const, app: [] };
  assert.deepEqual(podTags({ ...FACTS, labels: { stage: "prod" } }, mapping), {
    tags: {
      environment: "prod",
      service: "nginx",
      container: ID,
      host_name: "web-5d9c7b8f6-x2x7q",
      host: "web-5d9c7b8f6-x2x7q",
    },
  });
  assert.deepEqual(podTags(FACTS, mapping), {
    skip: "no environment: none of label:stage has a value for pod shop/web-5d9c7b8f6-x2x7q",
  });
  const refused = podTags({ ...FACTS, labels: { stage: "bad\nvalue" } }, mapping);
  assert.ok("skip" in refused);
  assert.match(refused.skip, /tag "environment" \(from label:stage\)/);
});

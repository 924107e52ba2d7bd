import assert from "node:assert/strict";
import { ConfigError, envFrom } from "../../shared/config/mod.ts";
import { DEFAULT_KUBERNETES_TAGS, kubernetesTagMapping } from "./kubernetes_tags.ts";

const mapping = (value?: string) =>
  kubernetesTagMapping(envFrom({ MINI_COLLECTOR_KUBERNETES_TAGS: value }));

Deno.test("MINI_COLLECTOR_KUBERNETES_TAGS: unset is the default; a tag given replaces its default only", () => {
  assert.deepEqual(mapping(), DEFAULT_KUBERNETES_TAGS);
  assert.deepEqual(mapping('{"environment":["label:stage","namespace"],"database":"label:db"}'), {
    ...DEFAULT_KUBERNETES_TAGS,
    environment: ["label:stage", "namespace"],
    database: ["label:db"],
  });
  assert.deepEqual(mapping('{"app":[]}').app, []);
});

Deno.test("MINI_COLLECTOR_KUBERNETES_TAGS refuses unknown tags and facts, and a required tag without one", () => {
  const refused = (value: string, problem: RegExp) =>
    assert.throws(() => mapping(value), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, "MINI_COLLECTOR_KUBERNETES_TAGS");
      assert.match(error.message, problem);
      return true;
    });
  refused('{"enviroment":"namespace"}', /unknown key "enviroment"; did you mean "environment"\?/);
  refused('{"service":"deployment"}', /"service": "deployment" is not a fact/);
  refused('{"service":["label:"]}', /"service": "label:" is not a fact/);
  refused('{"service":[]}', /"service" is required/);
  refused('{"host_name":{"from":"pod_name"}}', /must be a fact or a list of facts/);
  refused("[1]", /must be a JSON object/);
});

// The demo's Docker configs: the collector's own reader takes the labels from them.
import assert from "node:assert/strict";
import { readContainerTags } from "../collector/host/container_tags.ts";
import { dockerConfig, writeDockerConfig } from "./docker_config.ts";

const ID = "0f".repeat(32);

Deno.test("a written config gives the collector the container's labels as tags", async () => {
  const root = await Deno.makeTempDir({ prefix: "demo-docker-" });
  try {
    await writeDockerConfig(root, {
      id: ID,
      name: "orders-db",
      labels: {
        "mini-collector.environment": "staging",
        "mini-collector.service": "postgres",
        "mini-collector.database": "orders",
      },
    });
    const lookup = readContainerTags(
      { dockerRoot: root, labelPrefix: "mini-collector." },
      ID,
    );
    assert.deepEqual(lookup, {
      tags: {
        environment: "staging",
        service: "postgres",
        database: "orders",
        container: ID,
        host: ID.slice(0, 12),
        host_name: ID.slice(0, 12),
      },
    });
    const info = await Deno.stat(`${root}/containers/${ID}/config.v2.json`);
    assert.equal(info.mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the config keeps Docker's fields, with the new id, name and labels (image labels kept)", async () => {
  const config = JSON.parse(
    await dockerConfig({ id: ID, name: "web-2", labels: { b: "2", a: "1" } }),
  );
  assert.equal(config.ID, ID);
  assert.equal(config.Name, "/web-2");
  assert.equal(config.Config.Hostname, ID.slice(0, 12));
  assert.ok(String(config.LogPath).includes(`${ID}-json.log`), config.LogPath);
  assert.deepEqual(Object.keys(config.Config.Labels), ["a", "b", "maintainer"]);
  assert.equal(config.State.Running, true);
});

import assert from "node:assert/strict";
import { containerModeConfig } from "./config/mod.ts";
import { envFrom } from "../shared/config/mod.ts";
import { tagHeaders } from "./tags.ts";

const ID = "4b0d8e5f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4";
const REQUIRED = {
  MINI_COLLECTOR_REMOTE_ADDRESS: "127.0.0.1:8000",
  MINI_COLLECTOR_CONTAINER_ID: ID,
  MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
  MINI_COLLECTOR_SERVICE_NAME: "worker",
  MINI_COLLECTOR_CGROUP_PATH: "/host/cgroup",
};

Deno.test("tags from the configuration: full id, short id under both keys, optional names", () => {
  const config = containerModeConfig(envFrom({
    ...REQUIRED,
    MINI_COLLECTOR_APP_NAME: "shop",
    MINI_COLLECTOR_DATABASE_NAME: "orders",
  }));
  assert.deepEqual(tagHeaders(config), {
    environment: "staging",
    service: "worker",
    container: ID,
    host_name: "4b0d8e5f1c2a",
    host: "4b0d8e5f1c2a",
    app: "shop",
    database: "orders",
  });
});

Deno.test("unset app and database are left out, not sent empty", () => {
  const headers = tagHeaders(containerModeConfig(envFrom(REQUIRED)));
  assert.deepEqual(Object.keys(headers), [
    "environment",
    "service",
    "container",
    "host_name",
    "host",
  ]);
});

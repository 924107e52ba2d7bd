import assert from "node:assert/strict";
import { envFrom } from "../../../shared/config/mod.ts";
import { PROMETHEUS_VARIABLE, prometheusConfig } from "./config.ts";

Deno.test("Prometheus configuration: a URL, one kind of credentials, static labels", () => {
  const plain = prometheusConfig(envFrom({
    [PROMETHEUS_VARIABLE]: `{"url":"http://127.0.0.1:9090/api/v1/write"}`,
  }));
  assert.equal(plain?.url.href, "http://127.0.0.1:9090/api/v1/write");
  assert.deepEqual(plain?.labels, {});
  assert.equal(plain?.basicAuth, undefined);
  assert.equal(plain?.bearerToken, undefined);
  assert.equal(plain?.timeoutMs, 30_000);
  assert.equal(plain?.retryCount, 3);
  const full = prometheusConfig(envFrom({
    [PROMETHEUS_VARIABLE]: JSON.stringify({
      url: "https://prom.example/api/v1/write",
      basic_auth: { username: "u", password: "p" },
      timeout: "5s",
      retry_count: 2,
      labels: { region: "us-east-1", _stack: "blue" },
    }),
  }));
  assert.deepEqual(full?.basicAuth, { username: "u", password: "p" });
  assert.deepEqual(full?.labels, { region: "us-east-1", _stack: "blue" });
  assert.equal(full?.timeoutMs, 5_000);
  assert.equal(full?.retryCount, 2);
  const bearer = prometheusConfig(envFrom({
    [PROMETHEUS_VARIABLE]: `{"url":"https://prom.example/api/v1/write","bearer_token":"t"}`,
  }));
  assert.equal(bearer?.bearerToken, "t");
});

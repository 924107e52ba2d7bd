import assert from "node:assert/strict";
import { envFrom } from "../../../shared/config/mod.ts";
import { datadogConfig } from "./config.ts";
import { scriptedServer } from "../../../tests/support/scripted_server.ts";
import { checkDatadogKey, validateUrl } from "./validate_key.ts";

function datadog(seriesUrl: string) {
  return datadogConfig(envFrom({
    AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
      api_key: "KEY-123",
      site: "datadoghq.eu",
      series_url: seriesUrl,
    }),
  }))!;
}

Deno.test("the validate URL sits beside the series URL, keeping a path prefix", () => {
  assert.equal(
    validateUrl(new URL("https://api.datadoghq.eu/api/v2/series")).href,
    "https://api.datadoghq.eu/api/v1/validate",
  );
  assert.equal(
    validateUrl(new URL("http://proxy:8080/dd/api/v1/series")).href,
    "http://proxy:8080/dd/api/v1/validate",
  );
});

Deno.test("the key check sends DD-API-KEY and tells valid, rejected and unreachable apart", async () => {
  const answers = [Response.json({ valid: true }), new Response("{}", { status: 403 })];
  const server = scriptedServer((_, index) => answers[index]);
  try {
    const config = datadog(`${server.url.href}api/v2/series`);
    const valid = await checkDatadogKey(config);
    assert.deepEqual(valid.ok, true);
    assert.equal(server.received[0].method, "GET");
    assert.equal(server.received[0].url.pathname, "/api/v1/validate");
    assert.equal(server.received[0].headers.get("dd-api-key"), "KEY-123");
    const rejected = await checkDatadogKey(config);
    assert.equal(rejected.ok, false);
    assert.match(rejected.message, /rejected by .*\(Datadog site datadoghq\.eu\) with HTTP 403/);
    assert.ok(!rejected.message.includes("KEY-123"));
  } finally {
    await server.close();
  }
  const unreachable = await checkDatadogKey(datadog(`${server.url.href}api/v2/series`), 2_000);
  assert.equal(unreachable.ok, false);
  assert.match(unreachable.message, /^cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/v1\/validate/);
});

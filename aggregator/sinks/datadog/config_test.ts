import assert from "node:assert/strict";
import { envFrom } from "../../../shared/config/mod.ts";
import { DATADOG_VARIABLE, datadogConfig } from "./config.ts";

Deno.test("Datadog configuration keeps the original's JSON keys and string numbers", () => {
  const config = datadogConfig(envFrom({
    [DATADOG_VARIABLE]: `{"api_key":"k","timeout":"5s","retry_count":"7"}`,
  }));
  assert.equal(config?.apiKey, "k");
  assert.equal(config?.timeoutMs, 5_000);
  assert.equal(config?.retryCount, 7);
  assert.equal(config?.seriesUrl.href, "https://api.datadoghq.com/api/v2/series");
  assert.equal(config?.apiVersion, 2);
  assert.equal(config?.sendHost, true);
  const eu = datadogConfig(
    envFrom({ [DATADOG_VARIABLE]: `{"api_key":"k","site":"datadoghq.eu"}` }),
  );
  assert.equal(eu?.seriesUrl.href, "https://api.datadoghq.eu/api/v2/series");
  assert.equal(eu?.timeoutMs, 30_000);
  assert.equal(eu?.retryCount, 3);
  const v1 = datadogConfig(envFrom({
    [DATADOG_VARIABLE]:
      `{"api_key":"k","series_url":"http://127.0.0.1:8428/datadog/api/v1/series"}`,
  }));
  assert.equal(v1?.apiVersion, 1);
});

Deno.test("the Datadog key check is off unless validate_key is true", () => {
  const off = datadogConfig(envFrom({ [DATADOG_VARIABLE]: `{"api_key":"k"}` }));
  assert.equal(off?.validateKey, false);
  assert.equal(off?.site, "datadoghq.com");
  const on = datadogConfig(envFrom({ [DATADOG_VARIABLE]: `{"api_key":"k","validate_key":true}` }));
  assert.equal(on?.validateKey, true);
});

import assert from "node:assert/strict";
import { envFrom } from "../../../shared/config/mod.ts";
import { INFLUXDB_VARIABLE, influxdbConfig } from "./config.ts";

Deno.test("InfluxDB configuration: v1 with a database, v2 with a token and bucket", () => {
  const v1 = influxdbConfig(envFrom({
    [INFLUXDB_VARIABLE]:
      `{"address":"http://127.0.0.1:8086","username":"u","password":"p","database":"m"}`,
  }));
  assert.equal(v1?.database, "m");
  assert.equal(v1?.token, undefined);
  const v2 = influxdbConfig(envFrom({
    [INFLUXDB_VARIABLE]: `{"address":"http://127.0.0.1:8086","token":"t","org":"o","bucket":"b"}`,
  }));
  assert.equal(v2?.bucket, "b");
});

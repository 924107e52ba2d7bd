import assert from "node:assert/strict";
import { ConfigError } from "../config/mod.ts";
import { listenHostPorts, pathFlag, programFlags, urlHostPort } from "./flags.ts";

Deno.test("a program's flags: no prompt, its permissions, its variables, its V8 flags", () => {
  const flags = programFlags({
    name: "probe",
    env: "PROBE_*",
    permissions: (env) => [`--allow-read=${env("PROBE_PATH")}`],
    v8Flags: () => "--lite-mode",
  }, (name) => name === "PROBE_PATH" ? "/data" : undefined);
  assert.deepEqual(flags, [
    "--no-prompt",
    "--allow-read=/data",
    "--allow-env=PROBE_*",
    "--v8-flags=--lite-mode",
  ]);
});

Deno.test("a path a permission list cannot carry is refused, naming its variable", () => {
  assert.equal(pathFlag("X_PATH", "/var/lib/x"), "/var/lib/x");
  for (const path of ["/a,b", "/a b", "/a\tb"]) {
    assert.throws(
      () => pathFlag("X_PATH", path),
      (error) =>
        error instanceof ConfigError && /^X_PATH: ".*" must not contain commas/.test(error.message),
    );
  }
});

Deno.test("a listener on every interface also answers on loopback; a URL's port defaults by scheme", () => {
  assert.deepEqual(listenHostPorts({ host: "0.0.0.0", port: 8000 }), [
    "0.0.0.0:8000",
    "127.0.0.1:8000",
  ]);
  assert.deepEqual(listenHostPorts({ host: "", port: 8000 }), ["0.0.0.0:8000", "127.0.0.1:8000"]);
  assert.deepEqual(listenHostPorts({ host: "127.0.0.1", port: 9090 }), ["127.0.0.1:9090"]);
  assert.equal(
    urlHostPort(new URL("https://api.datadoghq.com/api/v2/series")),
    "api.datadoghq.com:443",
  );
  assert.equal(urlHostPort(new URL("http://influx/write")), "influx:80");
  assert.equal(urlHostPort(new URL("http://[::1]:8428/api/v1/write")), "[::1]:8428");
});

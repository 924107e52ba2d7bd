import assert from "node:assert/strict";
import { ConfigError, envFrom } from "./config/mod.ts";
import { tlsMaterial } from "./tls.ts";
import { makePki } from "../tests/support/certs.ts";

const pki = await makePki();
const good = {
  MINI_COLLECTOR_TLS_CERTIFICATE: pki.clientCertificate,
  MINI_COLLECTOR_TLS_KEY: pki.clientKey,
  MINI_COLLECTOR_TLS_CA_CERTIFICATE: pki.caCertificate,
};

Deno.test("tlsMaterial returns the PEM text of a valid certificate, key and CA", () => {
  const material = tlsMaterial(envFrom(good), "MINI_COLLECTOR");
  assert.equal(material.certificate, pki.clientCertificate);
  assert.equal(material.key, pki.clientKey);
  assert.equal(material.caCertificate, pki.caCertificate);
});

Deno.test("tlsMaterial names the variable holding missing or malformed PEM", () => {
  const truncated = pki.clientCertificate.replace(/\n[A-Za-z0-9+/]{20,}\n/, "\nAAAA\n");
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ MINI_COLLECTOR_TLS_KEY: "" }, "MINI_COLLECTOR_TLS_KEY", /required/],
    [{ MINI_COLLECTOR_TLS_KEY: "not a key" }, "MINI_COLLECTOR_TLS_KEY", /not a PEM private key/],
    [
      { MINI_COLLECTOR_TLS_CERTIFICATE: "hello" },
      "MINI_COLLECTOR_TLS_CERTIFICATE",
      /no PEM certificate block/,
    ],
    [
      { MINI_COLLECTOR_TLS_CA_CERTIFICATE: truncated },
      "MINI_COLLECTOR_TLS_CA_CERTIFICATE",
      /certificate 1 of 1 is malformed/,
    ],
    [
      { MINI_COLLECTOR_TLS_CERTIFICATE: pki.clientKey },
      "MINI_COLLECTOR_TLS_CERTIFICATE",
      /no PEM certificate block/,
    ],
  ];
  for (const [override, variable, problem] of cases) {
    assert.throws(
      () => tlsMaterial(envFrom({ ...good, ...override }), "MINI_COLLECTOR"),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === variable &&
        problem.test(error.message) && !error.message.includes("\n"),
    );
  }
});

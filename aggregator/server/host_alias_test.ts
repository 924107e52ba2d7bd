import assert from "node:assert/strict";
import { hostNameAlias } from "./host_alias.ts";

Deno.test("`host` stands for host_name over HTTP/2 only", () => {
  const headers = new Headers({ environment: "prod", host: "abcdef012345" });
  assert.equal(hostNameAlias(headers, "2.0"), "abcdef012345");
  assert.equal(hostNameAlias(headers, "1.1"), null, "over HTTP/1.1 it is the Host header");
  assert.equal(hostNameAlias(headers, undefined), null, "a listener that cannot tell");
  assert.equal(hostNameAlias(new Headers({ environment: "prod" }), "2.0"), null);
});

/**
 * PublishBatch registered twice (publish.ts) goes by codec: JSON calls to the
 * service's own handler, protobuf ones to the entries reader; a path
 * registered once goes to its one handler.
 */
import assert from "node:assert/strict";
import { createConnectRouter } from "@connectrpc/connect";
import { Aggregator } from "../../shared/gen/aggregator_pb.ts";
import { PUBLISH_BATCH_ENTRIES } from "./publish_batch_entries.ts";
import { routeTable } from "./route_table.ts";

Deno.test("a path registered twice goes by codec; one registered once to its handler", async () => {
  const served: string[] = [];
  const router = createConnectRouter();
  router.service(Aggregator, {
    publish: () => (served.push("publish"), {}),
    publishBatch: () => (served.push("messages"), {}),
  });
  router.rpc(PUBLISH_BATCH_ENTRIES, () => (served.push("entries"), {}));
  const table = routeTable(router.handlers);
  assert.deepEqual([...table.keys()].sort(), ["/Aggregator/Publish", "/Aggregator/PublishBatch"]);
  const call = (path: string, contentType: string, body: string) =>
    table.get(path)!({
      httpVersion: "2.0",
      method: "POST",
      url: `http://localhost${path}`,
      header: new Headers({ "content-type": contentType }),
      body: (async function* () {
        yield new TextEncoder().encode(body);
      })(),
      signal: new AbortController().signal,
    });
  const cases: [string, string, string, string][] = [
    ["/Aggregator/PublishBatch", "application/json", "{}", "messages"],
    ["/Aggregator/PublishBatch", "application/json; charset=utf-8", "{}", "messages"],
    ["/Aggregator/PublishBatch", "application/proto", "", "entries"],
    ["/Aggregator/Publish", "application/json", "{}", "publish"],
    ["/Aggregator/Publish", "application/proto", "", "publish"],
  ];
  for (const [path, contentType, body, expected] of cases) {
    const response = await call(path, contentType, body);
    assert.equal(response.status, 200, `${path} ${contentType}`);
    assert.equal(served.pop(), expected, `${path} ${contentType}`);
  }
});

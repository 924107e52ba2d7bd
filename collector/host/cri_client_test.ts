import assert from "node:assert/strict";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { RuntimeService } from "../../shared/gen/runtime/v1/cri_pb.ts";
import { CriClient } from "./cri_client.ts";

Deno.test("CriClient: no socket is unavailable, naming the socket", async () => {
  const directory = await Deno.makeTempDir({ prefix: "cri-client-" });
  try {
    using client = new CriClient(join(directory, "absent.sock"), 1_000);
    await assert.rejects(client.call(RuntimeService.method.listContainers, {}), (error) => {
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.Unavailable);
      assert.match(error.message, /absent\.sock/);
      return true;
    });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("CriClient: a runtime that never answers fails at the deadline, naming the socket and call", async () => {
  const directory = await Deno.makeTempDir({ prefix: "cri-client-" });
  const path = join(directory, "silent.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    using client = new CriClient(path, 300);
    const started = performance.now();
    await assert.rejects(client.call(RuntimeService.method.listPodSandbox, {}), (error) => {
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.DeadlineExceeded);
      assert.match(error.message, /silent\.sock: no answer to ListPodSandbox within 300 ms/);
      return true;
    });
    assert.ok(performance.now() - started < 3_000, "the deadline holds");
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
    await Deno.remove(directory, { recursive: true });
  }
});

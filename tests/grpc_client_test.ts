/**
 * The collector's gRPC client (connect's gRPC transport on its own HTTP/2 client) against
 * Debian's python3-grpcio and nghttpd — against the real aggregator, and
 * against a scripted raw HTTP/2 server for the failures: GOAWAY mid-call,
 * RST_STREAM, a connection reset, garbage, oversized frames and responses, a
 * server that never answers, a restart. Every failure must be a retryable
 * `ConnectError`, never a crash or a hang; every test has a hard deadline.
 */
import assert from "node:assert/strict";
import { create, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { type AggregatorClient, connectAggregator } from "../collector/transport.ts";
import { type ConnectionLimits, DEFAULT_LIMITS } from "../shared/http2/client/mod.ts";
import {
  encodeFrame,
  encodeGoaway,
  encodeRstStream,
  encodeSettings,
} from "../shared/http2/frames.ts";
import { ErrorCode, Flag, FrameType, Setting } from "../shared/http2/mod.ts";
import { isRetryable } from "../collector/retry.ts";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { rawH2Server, type RawPeer } from "./support/raw_h2_server.ts";

const POINT = create(PublishRequestSchema, {
  unixTime: BigInt(Math.floor(Date.now() / 1000)),
  running: true,
  pidsCurrent: 7n,
});
const TAGS = {
  environment: "test",
  service: "web",
  container: "9d3c5e0f6a1b2c4d8e7f90a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6",
  host_name: "9d3c5e0f6a1b",
  host: "9d3c5e0f6a1b",
};

/** The collector's gRPC client to 127.0.0.1:`port`, as the collector builds it. */
function grpcClient(port: number, limits?: ConnectionLimits): AggregatorClient & { close(): void } {
  const { client, close } = connectAggregator(
    { protocol: "grpc", tls: undefined, remoteAddress: { host: "127.0.0.1", port } },
    limits,
  );
  return { publish: client.publish, publishBatch: client.publishBatch, close };
}

/** Runs `body`, failing the test if it takes longer than `ms`. */
async function within<T>(ms: number, body: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no outcome within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([body(), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function publishError(
  client: AggregatorClient,
  timeoutMs = 2_000,
): Promise<ConnectError> {
  const error = await client.publish(POINT, { headers: TAGS, timeoutMs }).then(
    () => assert.fail("the call succeeded"),
    (error) => error,
  );
  assert.ok(error instanceof ConnectError, String(error));
  return error;
}

function pythonGrpcServer() {
  const child = new Deno.Command("/usr/bin/python3", {
    args: [new URL("./support/grpc_python_server.py", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let first = Promise.withResolvers<number>();
  const reading = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(text) {
        for (const line of text.split("\n").filter(Boolean)) {
          if (lines.length === 0 && /^\d+$/.test(line)) first.resolve(Number(line));
          lines.push(line);
        }
      },
    }),
  );
  return {
    port: first.promise,
    calls: () => lines.slice(1).map((line) => JSON.parse(line)),
    async close() {
      await child.stdin.close();
      await child.output().catch(() => child.status);
      await reading.catch(() => {});
      first = Promise.withResolvers();
    },
  };
}

Deno.test("python3-grpcio: the request bytes, metadata and grpc-timeout arrive; statuses come back with their codes", async () => {
  const server = pythonGrpcServer();
  try {
    await within(20_000, async () => {
      const client = grpcClient(await server.port);
      try {
        await client.publish(POINT, { headers: TAGS, timeoutMs: 3_000 });
        const refused = await client.publish(POINT, {
          headers: { ...TAGS, reply: "refuse" },
          timeoutMs: 3_000,
        }).catch((error) => error);
        assert.equal(refused.code, Code.InvalidArgument);
        assert.equal(refused.rawMessage, "point refused: 100% wrong ✗");
        assert.equal(isRetryable(refused), false);
        const down = await client.publish(POINT, { headers: { ...TAGS, reply: "unavailable" } })
          .catch((error) => error);
        assert.equal(down.code, Code.Unavailable);
        const slow = await client.publish(POINT, {
          headers: { ...TAGS, reply: "slow" },
          timeoutMs: 300,
        })
          .catch((error) => error);
        assert.equal(slow.code, Code.DeadlineExceeded);
        await client.publish(POINT, { headers: TAGS, timeoutMs: 5_000 });
      } finally {
        client.close();
      }
      const calls = server.calls();
      assert.equal(calls.length, 5);
      const bytes = Uint8Array.from(calls[0].request.match(/../g), (h: string) => parseInt(h, 16));
      assert.deepEqual(fromBinary(PublishRequestSchema, bytes), POINT);
      for (const [key, value] of Object.entries(TAGS)) assert.equal(calls[0].metadata[key], value);
      assert.ok(calls[0].timeRemaining > 2 && calls[0].timeRemaining <= 3, calls[0].timeRemaining);
    });
  } finally {
    await server.close();
  }
});

Deno.test("nghttpd: a plain HTTP/2 file server's answer is an error, not a crash", async () => {
  const port = freePort();
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/Aggregator`);
  await Deno.writeTextFile(`${root}/Aggregator/Publish`, "<html>not gRPC</html>");
  const child = new Deno.Command("nghttpd", {
    args: ["--no-tls", "-d", root, "-a", "127.0.0.1", String(port)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const client = grpcClient(port);
  try {
    await within(15_000, async () => {
      let error: ConnectError | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        error = await publishError(client);
        if (!error.message.includes("cannot connect")) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(error && !error.message.includes("cannot connect"), error?.message);
      assert.ok(isRetryable(error!) || error!.code === Code.Unimplemented, error!.message);
    });
  } finally {
    client.close();
    child.kill();
    await child.status;
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the real aggregator: points arrive over one kept connection, and again after it restarts", async () => {
  const aggregator = await AggregatorProcess.start();
  const client = grpcClient(aggregator.port);
  try {
    await within(60_000, async () => {
      for (let second = 0; second < 3; second++) {
        await client.publish({ ...POINT, unixTime: POINT.unixTime + BigInt(second) }, {
          headers: TAGS,
          timeoutMs: 5_000,
        });
      }
      await aggregator.kill("SIGTERM");
      await aggregator.restart();
      let delivered = false;
      for (let attempt = 0; attempt < 20 && !delivered; attempt++) {
        delivered = await client.publish({ ...POINT, unixTime: POINT.unixTime + 10n }, {
          headers: TAGS,
          timeoutMs: 5_000,
        }).then(() => true, (error) => {
          assert.ok(isRetryable(error), error.message);
          return new Promise((resolve) => setTimeout(() => resolve(false), 200));
        });
      }
      assert.ok(delivered);
      await aggregator.waitFor(() => aggregator.lines.length >= 4, 10_000, "4 points");
    });
  } finally {
    client.close();
    await aggregator.close();
  }
});

/** One case on the scripted server: the client's call must fail retryably with `code`. */
function scripted(
  name: string,
  code: Code,
  script: (peer: RawPeer) => Promise<void>,
  check?: (peer: RawPeer) => Promise<void>,
) {
  Deno.test(`scripted server: ${name} → ${Code[code]}`, async () => {
    const server = rawH2Server(script);
    const client = grpcClient(server.port, { ...DEFAULT_LIMITS, maxResponseBytes: 64 * 1024 });
    try {
      await within(10_000, async () => {
        const error = await publishError(client);
        assert.equal(error.code, code, error.message);
        assert.ok(isRetryable(error), error.message);
        await check?.(server.peers[0]);
      });
    } finally {
      client.close();
      await server.close();
    }
  });
}

scripted("GOAWAY before the call is handled", Code.Unavailable, async (peer) => {
  await peer.send(peer.settings());
  await peer.request();
  await peer.send(encodeGoaway(0, ErrorCode.NO_ERROR, "restarting"));
});

scripted("RST_STREAM INTERNAL_ERROR", Code.Internal, async (peer) => {
  const id = await peer.request();
  await peer.send(peer.settings(), encodeRstStream(id, ErrorCode.INTERNAL_ERROR));
});

scripted("RST_STREAM REFUSED_STREAM", Code.Unavailable, async (peer) => {
  const id = await peer.request();
  await peer.send(peer.settings(), encodeRstStream(id, ErrorCode.REFUSED_STREAM));
});

scripted("connection closed after the request", Code.Unavailable, async (peer) => {
  await peer.request();
  peer.close();
});

scripted("an HTTP/1.1 answer instead of frames", Code.Internal, async (peer) => {
  await peer.request();
  await peer.send(
    new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
  );
}, async (peer) => {
  const goaway = await peer.frame((f) => f.type === FrameType.GOAWAY);
  assert.equal(new DataView(goaway.payload.buffer).getUint32(4), ErrorCode.FRAME_SIZE_ERROR);
});

scripted("a frame larger than SETTINGS_MAX_FRAME_SIZE", Code.Internal, async (peer) => {
  const id = await peer.request();
  await peer.send(encodeFrame(FrameType.DATA, 0, id, new Uint8Array(16_385)));
});

scripted("a response over the size limit", Code.ResourceExhausted, async (peer) => {
  const id = await peer.request();
  await peer.send(
    peer.settings(),
    peer.headers(id, [[":status", "200"], ["content-type", "application/grpc"]]),
  );
  for (let sent = 0; sent < 70 * 1024; sent += 16_384) {
    await peer.send(encodeFrame(FrameType.DATA, 0, id, new Uint8Array(16_384)));
  }
}, async (peer) => {
  await peer.frame((f) => f.type === FrameType.RST_STREAM);
});

scripted("a server that never answers", Code.DeadlineExceeded, async (peer) => {
  await peer.request();
}, async (peer) => {
  const reset = await peer.frame((f) => f.type === FrameType.RST_STREAM);
  assert.equal(new DataView(reset.payload.buffer).getUint32(0), ErrorCode.CANCEL);
});

scripted("HEADERS without :status", Code.Internal, async (peer) => {
  const id = await peer.request();
  await peer.send(peer.settings(), peer.headers(id, [["grpc-status", "0"]], Flag.END_STREAM));
});

scripted("a server whose first frame is not SETTINGS", Code.Internal, async (peer) => {
  const id = await peer.request();
  await peer.send(peer.headers(id, [[":status", "200"]]));
}, async (peer) => {
  const goaway = await peer.frame((f) => f.type === FrameType.GOAWAY);
  assert.equal(new DataView(goaway.payload.buffer).getUint32(4), ErrorCode.PROTOCOL_ERROR);
});

Deno.test("scripted server: PING is answered, CONTINUATION joined, and the connection kept across calls", async () => {
  const server = rawH2Server(async (peer) => {
    await peer.send(
      peer.settings(),
      encodeFrame(FrameType.PING, 0, 0, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)),
    );
    let last = 0;
    for (let call = 0; call < 3; call++) {
      last = await peer.request(last);
      const [headers, ...rest] = peer.ok(last);
      // The HEADERS block split in two: HEADERS without END_HEADERS, then CONTINUATION.
      const block = headers.subarray(9);
      await peer.send(
        encodeFrame(FrameType.HEADERS, 0, last, block.subarray(0, 3)),
        encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, last, block.subarray(3)),
        ...rest,
      );
    }
  });
  const client = grpcClient(server.port);
  try {
    await within(10_000, async () => {
      for (let call = 0; call < 3; call++) {
        await client.publish(POINT, { headers: TAGS, timeoutMs: 2_000 });
      }
      const ack = await server.peers[0].frame((f) => f.type === FrameType.PING);
      assert.equal(ack.flags & Flag.ACK, Flag.ACK);
      assert.deepEqual([...ack.payload], [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(server.peers.length, 1);
    });
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("scripted server: after a restart on the same port, the next call reconnects", async () => {
  const answer = async (peer: RawPeer) => {
    await peer.send(peer.settings(), ...peer.ok(await peer.request()));
  };
  const first = rawH2Server(answer);
  const client = grpcClient(first.port);
  try {
    await within(10_000, async () => {
      await client.publish(POINT, { headers: TAGS, timeoutMs: 2_000 });
      await first.close();
      const down = await publishError(client);
      assert.equal(down.code, Code.Unavailable, down.message);
      const second = rawH2Server(answer, first.port);
      try {
        await client.publish(POINT, { headers: TAGS, timeoutMs: 2_000 });
      } finally {
        await second.close();
      }
    });
  } finally {
    client.close();
  }
});

Deno.test("scripted server: a stream window the server never opens ends the call at its deadline", async () => {
  const server = rawH2Server(async (peer) => {
    const id = await peer.request();
    await peer.send(encodeSettings([[Setting.INITIAL_WINDOW_SIZE, 0]]), ...peer.ok(id));
  });
  const client = grpcClient(server.port);
  try {
    await within(10_000, async () => {
      await client.publish(POINT, { headers: TAGS, timeoutMs: 2_000 });
      const stuck = await publishError(client, 500);
      assert.equal(stuck.code, Code.DeadlineExceeded, stuck.message);
      const reset = await server.peers[0].frame((f) => f.type === FrameType.RST_STREAM);
      assert.equal(reset.streamId, 3);
    });
  } finally {
    client.close();
    await server.close();
  }
});

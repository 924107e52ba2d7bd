/**
 * The collector's declared permission set, proven from outside: a probe run
 * with exactly the collector's flags can read the cgroup root and reach the
 * aggregator, and nothing else; and the real entry point refuses bad
 * configuration at startup with one clear line.
 */
import assert from "node:assert/strict";
import { copyFixture } from "./support/cgroup_fixture_copy.ts";
import { readCapture } from "./support/cgroup_fixtures.ts";
import { collectorFlags, CollectorProcess, denoCommand } from "./support/collector_process.ts";
import { COLLECTOR_PROBE_ANSWERS, PROBE } from "./support/collector_probe.ts";

const FIXTURE = "v1-cgroupfs";
const { containerId } = await readCapture(FIXTURE);

function baseEnv(root: string, remoteAddress = "127.0.0.1:9"): Record<string, string> {
  return {
    MINI_COLLECTOR_REMOTE_ADDRESS: remoteAddress,
    MINI_COLLECTOR_CONTAINER_ID: containerId,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: root,
  };
}

function listener(): { port: number; close(): void } {
  const listening = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return { port: (listening.addr as Deno.NetAddr).port, close: () => listening.close() };
}

Deno.test("under the collector's flags: cgroup root and aggregator yes; /etc/passwd, another port or host, writes, listening, spawning, other env no", async () => {
  const root = await copyFixture(FIXTURE, "t0");
  const aggregator = listener();
  const other = listener();
  try {
    const env = baseEnv(root, `127.0.0.1:${aggregator.port}`);
    const output = await denoCommand(collectorFlags(env), PROBE, env, [
      root,
      `127.0.0.1:${aggregator.port}`,
      "/etc/passwd",
      `127.0.0.1:${other.port}`,
    ]).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), COLLECTOR_PROBE_ANSWERS);
  } finally {
    aggregator.close();
    other.close();
    await Deno.remove(root, { recursive: true });
  }
});

/** Runs the real entry point to its exit; returns the code and the lines it printed on stderr. */
async function startupFailure(
  env: Record<string, string>,
  flags?: string[],
): Promise<{ code: number; lines: string[] }> {
  const collector = new CollectorProcess(env, flags);
  const code = await collector.stop();
  return { code, lines: collector.stderr.trimEnd().split("\n") };
}

Deno.test("a cgroup path under /sys is refused at startup with the fix, in one line", async () => {
  const { code, lines } = await startupFailure(baseEnv("/sys/fs/cgroup"));
  assert.equal(code, 2);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /MINI_COLLECTOR_CGROUP_PATH: "\/sys\/fs\/cgroup" is under \/sys/);
  assert.match(lines[0], /collector\/expose-cgroup\.sh/);
});

Deno.test("a configuration error is one line naming the variable, no stack trace", async () => {
  const root = await copyFixture(FIXTURE, "t0");
  try {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { MINI_COLLECTOR_SERVICE_NAME: "" },
        /^mini-collector: MINI_COLLECTOR_SERVICE_NAME: is required but not set \(example: MINI_COLLECTOR_SERVICE_NAME=web\)$/,
      ],
      [
        { MINI_COLLECTOR_POLL_INTERVAL: "fast" },
        /^mini-collector: MINI_COLLECTOR_POLL_INTERVAL: .*"fast".*\(example: MINI_COLLECTOR_POLL_INTERVAL=30s\)$/,
      ],
      [
        { MINI_COLLECTOR_QUEUE_SIZE: "0" },
        /^mini-collector: MINI_COLLECTOR_QUEUE_SIZE: 0 is outside/,
      ],
    ];
    for (const [override, expected] of cases) {
      const { code, lines } = await startupFailure({ ...baseEnv(root), ...override });
      assert.equal(code, 2);
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0], expected);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a cgroup root that is missing, or not readable under the flags given, is named at startup", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-startup-" });
  try {
    const missing = await startupFailure(baseEnv(`${dir}/cgroup`));
    assert.equal(missing.code, 2);
    assert.equal(missing.lines.length, 1, missing.lines.join("\n"));
    assert.match(missing.lines[0], new RegExp(`${dir}/cgroup does not exist.*expose-cgroup\\.sh`));

    await Deno.mkdir(`${dir}/cgroup/memory`, { recursive: true });
    const env = baseEnv(`${dir}/cgroup`);
    const withoutRead = collectorFlags(env).filter((flag) => !flag.startsWith("--allow-read"));
    const denied = await startupFailure(env, withoutRead);
    assert.equal(denied.code, 2);
    assert.match(
      denied.lines.join("\n"),
      new RegExp(
        `cannot read the cgroup root ${dir}/cgroup: Deno read permission is missing \\(--allow-read=${dir}/cgroup\\)`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

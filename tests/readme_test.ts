/**
 * Holds README.md to the code: every `deno task` it names exists; every
 * variable it mentions is one the programs read; every repository path and
 * relative link resolves; every shell block parses (`bash -n`); every YAML
 * block parses; the Kubernetes manifests it points to (deploy/kubernetes/)
 * name only images its `docker build` commands build, probe only paths the
 * aggregator's metrics listener serves on the port that container configures,
 * mount the host trees host mode needs read-only, and give each collector a
 * configuration the collector accepts; every systemd
 * unit starts a binary a compile task produces and passes
 * `systemd-analyze verify` (skipped when systemd-analyze is missing); the
 * metric catalogue lists every PublishRequest field and only those; the
 * aggregator's metric table lists exactly the metrics aggregator/metrics.ts
 * registers; the `/api/status` example has the shape of a real snapshot.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { collectorConfig } from "../collector/config/mod.ts";
import { envFrom } from "../shared/config/mod.ts";
import { METRICS_PATH } from "../aggregator/server/metrics_listener.ts";
import { HEALTHZ_PATH } from "../aggregator/server/health.ts";
import { SINK_DECISIONS } from "../aggregator/metrics.ts";
import { REJECT_REASONS, Stats } from "../aggregator/stats.ts";
import { StatusPage } from "../aggregator/status/mod.ts";
import { configuredVariables } from "./support/configured_variables.ts";
import {
  readRepositoryFile as read,
  repositoryHas as exists,
  repositoryPaths,
  ROOT,
} from "./support/repository.ts";

const README = read("README.md");

interface Block {
  language: string;
  text: string;
}

/** The README's fenced code blocks with their info string. */
function blocks(language?: string): Block[] {
  const found = [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)]
    .map(([, lang, text]) => ({ language: lang, text }));
  return language === undefined ? found : found.filter((block) => block.language === language);
}

Deno.test("README has the blocks this test checks", () => {
  for (const language of ["sh", "ini", "promql", "json"]) {
    assert.ok(blocks(language).length > 0, `a \`\`\`${language} block`);
  }
  assert.deepEqual(
    blocks().filter((block) =>
      !["sh", "yaml", "ini", "promql", "json", ""].includes(block.language)
    )
      .map((block) => block.language),
    [],
    "a block in a language this test does not check",
  );
});

Deno.test("README's Quick start keeps CI's two commands verbatim", () => {
  const commands = blocks("sh").map((block) => block.text.trim());
  for (const task of ["demo", "test"]) {
    const command = `npm ci --prefix toolchain && toolchain/node_modules/.bin/deno task ${task}`;
    assert.ok(commands.includes(command), command);
  }
  assert.match(read(".ci/run"), /deno task test/);
});

Deno.test("every deno task the README names is in deno.json", () => {
  const tasks = Object.keys(JSON.parse(read("deno.json")).tasks);
  const named = new Set(
    [...README.matchAll(/deno task ([\w:-]+)(?![\w:*-])/g)].map(([, task]) => task),
  );
  assert.ok(named.size >= 4);
  assert.deepEqual([...named].filter((task) => !tasks.includes(task)), [], "unknown tasks");
});

Deno.test("every MINI_COLLECTOR_* and AGGREGATOR_* name in the README is read by the code", () => {
  const configured = configuredVariables();
  const named = new Set(README.match(/\b(MINI_COLLECTOR|AGGREGATOR)_[A-Z0-9_]*[A-Z0-9]\b/g));
  assert.deepEqual([...named].filter((name) => !configured.has(name)).sort(), []);
});

Deno.test("every relative link and repository path in the README exists", () => {
  const links = [...README.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map(([, target]) => target)
    .filter((target) => !/^[a-z]+:/.test(target));
  assert.ok(links.length > 10);
  assert.deepEqual(links.filter((target) => !exists(target)), [], "broken links");

  const paths = repositoryPaths(README);
  assert.ok(paths.has("collector/expose-cgroup.sh") && paths.has("Dockerfile.collector"));
  assert.deepEqual([...paths].filter((path) => !exists(path)).sort(), [], "missing paths");
});

Deno.test("every README shell block parses with bash -n", async () => {
  for (const block of blocks("sh")) {
    const child = new Deno.Command("bash", { args: ["-n"], stdin: "piped", stderr: "piped" })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(block.text));
    await writer.close();
    const { code, stderr } = await child.output();
    assert.equal(code, 0, `${new TextDecoder().decode(stderr)}\n${block.text}`);
  }
});

// --- Kubernetes -------------------------------------------------------------

type Node = Record<string, unknown>;

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface PodSpec {
  containers: Container[];
  volumes?: { name: string; hostPath?: { path: string } }[];
}

const MANIFESTS = "deploy/kubernetes";

/** The YAML of README's blocks and of the manifests it points to. */
function manifestTexts(): string[] {
  const files = [...Deno.readDirSync(new URL(`${MANIFESTS}/`, ROOT))]
    .filter((entry) => entry.name.endsWith(".yaml"))
    .map((entry) => read(`${MANIFESTS}/${entry.name}`));
  return [...blocks("yaml").map((block) => block.text), ...files];
}

/** Each manifest's documents with a pod template; a bare container list item is one container. */
function manifests(): { pods: PodSpec[]; containers: Container[] } {
  const pods: PodSpec[] = [];
  const containers: Container[] = [];
  for (const text of manifestTexts()) {
    for (const document of parseAllDocuments(text)) {
      assert.deepEqual(document.errors.map(String), [], text);
      const value = document.toJS() as Node | Node[];
      if (Array.isArray(value)) {
        containers.push(...value as unknown as Container[]);
        continue;
      }
      const pod = ((value.spec as Node)?.template as Node)?.spec as PodSpec | undefined;
      if (!pod) continue;
      assert.ok(pod.containers, `${value.kind}: a pod template with containers`);
      pods.push(pod);
      containers.push(...pod.containers);
    }
  }
  return { pods, containers };
}

/** Image names the README's `docker build` commands and compose.yaml build from the Dockerfiles. */
function builtImages(): Set<string> {
  const images = new Set<string>();
  for (const block of blocks("sh")) {
    for (const [, file, tag] of block.text.matchAll(/docker build -f (\S+) -t (\S+)/g)) {
      assert.ok(exists(file), file);
      images.add(tag);
    }
  }
  for (
    const [, file, image] of read("compose.yaml").matchAll(/dockerfile: (\S+)\n\s+image: (\S+)/g)
  ) {
    assert.ok(exists(file), file);
    images.add(image.split(":")[0]);
  }
  return images;
}

function envOf(container: Container): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value === undefined) continue;
    // Kubernetes refuses an env value that YAML reads as a number or a boolean.
    assert.equal(typeof variable.value, "string", `${container.name}: ${variable.name} is quoted`);
    values[variable.name] = variable.value;
  }
  // Kubernetes expands $(NAME) from the container's earlier variables; POD_UID is a uid.
  for (const [name, value] of Object.entries(values)) {
    values[name] = value.replace("$(POD_UID)", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  }
  return values;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

Deno.test("README's Kubernetes manifests parse and name only images README builds (or the example's application)", () => {
  const { containers } = manifests();
  const images = builtImages();
  assert.deepEqual([...images].sort(), [
    "mini-collector",
    "mini-collector-aggregator",
    "mini-collector-aggregator-k8s",
    "mini-collector-host",
    "mini-collector-host-containerd",
  ]);
  for (const container of containers) {
    if (container.name === "web") continue; // the sidecar example's application
    assert.ok(images.has(container.image.split(":")[0]), `${container.name}: ${container.image}`);
  }
});

Deno.test("README's probes ask the aggregator's metrics listener for paths it serves", () => {
  const probed = manifests().containers.filter((container) =>
    container.readinessProbe || container.livenessProbe
  );
  assert.ok(probed.length > 0);
  for (const container of probed) {
    assert.match(container.image.split(":")[0], /^mini-collector-aggregator/);
    const metricsAddress = envOf(container).AGGREGATOR_METRICS_LISTEN_ADDRESS;
    assert.ok(metricsAddress, `${container.name}: AGGREGATOR_METRICS_LISTEN_ADDRESS is set`);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.ok(probe?.httpGet, `${container.name}: httpGet readiness and liveness probes`);
      assert.ok([HEALTHZ_PATH, METRICS_PATH].includes(probe.httpGet.path), probe.httpGet.path);
      const port = typeof probe.httpGet.port === "number"
        ? probe.httpGet.port
        : container.ports?.find((entry) => entry.name === probe.httpGet!.port)?.containerPort;
      assert.equal(port, portOf(metricsAddress), `${container.name}: probe port`);
    }
  }
});

Deno.test("README's collector containers are valid configurations with their host trees mounted", () => {
  const { pods, containers } = manifests();
  const collectors = containers.filter((container) =>
    ["mini-collector", "mini-collector-host", "mini-collector-host-containerd"].includes(
      container.image,
    )
  );
  assert.ok(collectors.length >= 3, "two DaemonSets and a sidecar");
  for (const container of collectors) {
    const config = collectorConfig(envFrom(envOf(container)));
    const mount = (path: string) =>
      container.volumeMounts?.find((entry) => entry.mountPath === path);
    assert.equal(mount(config.cgroupRoot)?.readOnly, true, `${container.name}: cgroup read-only`);
    const expectedImage = config.mode !== "host"
      ? "mini-collector"
      : config.runtime === "containerd"
      ? "mini-collector-host-containerd"
      : "mini-collector-host";
    assert.equal(container.image, expectedImage, `${container.name}: the image built for its mode`);
    if (config.mode !== "host") continue;
    const pod = pods.find((spec) => spec.containers.includes(container))!;
    const hostPath = (path: string) =>
      pod.volumes?.find((volume) => volume.name === mount(path)!.name)?.hostPath?.path;
    assert.equal(hostPath(config.cgroupRoot), "/sys/fs/cgroup");
    if (config.runtime === "containerd") {
      assert.ok(mount(config.criSocket), `${container.name}: the CRI socket`);
      assert.equal(hostPath(config.criSocket), "/run/containerd/containerd.sock");
      continue;
    }
    const dockerContainers = `${config.dockerRoot}/containers`;
    assert.equal(mount(dockerContainers)?.readOnly, true, `${container.name}: Docker configs`);
    assert.equal(hostPath(dockerContainers), "/var/lib/docker/containers");
  }
  assert.ok(collectors.some((container) => envOf(container).MINI_COLLECTOR_MODE === "host"));
});

// --- systemd ----------------------------------------------------------------

interface Unit {
  fileName: string;
  text: string;
}

function units(): Unit[] {
  return blocks("ini").map((block) => {
    const fileName = block.text.match(/^# \/etc\/systemd\/system\/(\S+\.service)\n/)?.[1];
    assert.ok(fileName, `a unit block starts with its path:\n${block.text}`);
    return { fileName, text: block.text };
  });
}

Deno.test("README's systemd units start the binaries the compile tasks build", () => {
  const tasks: Record<string, string> = JSON.parse(read("deno.json")).tasks;
  const binaries = Object.values(tasks).flatMap((task) =>
    [...task.matchAll(/--output dist\/(\S+)/g)].map(([, name]) => name)
  );
  const started = units().map((unit) =>
    unit.text.match(/^ExecStart=\/usr\/local\/bin\/(\S+)$/m)?.[1]
  );
  assert.deepEqual(started.sort(), binaries.sort());
});

Deno.test("README's systemd units pass systemd-analyze verify", async (t) => {
  const which = await new Deno.Command("sh", {
    args: ["-c", "command -v systemd-analyze"],
    stdout: "null",
  }).output();
  if (!which.success) {
    await t.step({ name: "systemd-analyze is not installed", ignore: true, fn: () => {} });
    return;
  }
  const directory = await Deno.makeTempDir({ prefix: "readme-units-" });
  try {
    // The installed files do not exist here: point each at an executable stand-in.
    const stub = `${directory}/stub`;
    await Deno.writeTextFile(stub, "#!/bin/sh\n", { mode: 0o755 });
    for (const unit of units()) {
      const name = unit.fileName.replace("@.service", "@web.service");
      const path = `${directory}/${name}`;
      await Deno.writeTextFile(path, unit.text.replace(/\/usr\/local\/\S+/g, stub));
      const { code, stderr } = await new Deno.Command("systemd-analyze", {
        args: ["verify", "--man=no", path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const message = new TextDecoder().decode(stderr);
      // An unknown key or a bad value is only a warning (exit 0): any message fails too.
      assert.equal(code, 0, `${unit.fileName}: ${message}`);
      assert.equal(message.trim(), "", `${unit.fileName}: systemd-analyze warns`);
    }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

// --- metrics ----------------------------------------------------------------

/** `{a,b}_x_{c,d}` → a_x_c, a_x_d, b_x_c, b_x_d. */
function expandBraces(name: string): string[] {
  const match = name.match(/\{([^}]*)\}/);
  if (!match) return [name];
  return match[1].split(",").flatMap((choice) => expandBraces(name.replace(match[0], choice)));
}

/** The first-column names of the table under a `## heading`. */
function tableNames(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has ## ${heading}`);
  // The section's own text, before any ### subsection (whose tables name other things).
  const end = README.slice(start + 1).search(/\n###? /) + start + 1;
  return README.slice(start, end).split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...line.split("|")[1].matchAll(/`([^`]+)`/g)].map(([, name]) => name));
}

Deno.test("README's metric catalogue lists every PublishRequest metric, and only those", () => {
  const fields = PublishRequestSchema.fields.map((field) => field.name)
    .filter((name) => name !== "unix_time");
  assert.deepEqual(tableNames("Metrics").flatMap(expandBraces).sort(), fields.sort());
  const mentioned = README.match(/\benclave[._][a-z0-9_]+[a-z0-9]/g) ?? [];
  assert.deepEqual(
    mentioned.map((name) => name.slice("enclave.".length)).filter((name) => !fields.includes(name)),
    [],
    "enclave metrics named in the README that no field gives",
  );
});

Deno.test("README's table of the aggregator's metrics matches aggregator/metrics.ts", () => {
  const source = read("aggregator/metrics.ts");
  const prefix = source.match(/METRIC_PREFIX = "([a-z_]+)"/)![1];
  const registered = [
    ...[...source.matchAll(/(?:counter|gauge)\(\s*registers,\s*"([a-z_]+)"/g)]
      .map(([, name]) => `${prefix}${name}`),
    ...[...source.matchAll(/name: `\$\{METRIC_PREFIX\}([a-z_]+)`/g)]
      .map(([, name]) => `${prefix}${name}`),
    ...[...source.matchAll(/name: "([a-z_]+)"/g)].map(([, name]) => name),
  ];
  assert.ok(registered.length >= 10);
  const listed = tableNames("The aggregator's own metrics").map((name) => name.replace(/\{.*/, ""));
  assert.deepEqual(listed.sort(), registered.sort());
});

Deno.test("README names every decision and rejection reason the aggregator's metrics count", () => {
  const start = README.indexOf("\n### Delivery decisions and rejection reasons\n");
  assert.ok(start >= 0, "README has ### Delivery decisions and rejection reasons");
  const section = README.slice(start, README.indexOf("\n## ", start));
  const decisions = new Map(
    [...section.matchAll(/^\| `([a-z_]+)` +\| (.+?) +\|$/gm)].map(([, name, meaning]) => [
      name,
      meaning,
    ]),
  );
  assert.deepEqual(Object.fromEntries(decisions), SINK_DECISIONS);
  const missing = REJECT_REASONS.filter((reason) => !section.includes(`\`${reason}\``));
  assert.deepEqual(missing, [], "rejection reasons the README does not name");
});

/** The keys of an object and of the objects and first array items in it, by path; records of names excepted. */
function shape(value: unknown, path = "", records: readonly string[] = []): string[] {
  if (Array.isArray(value)) return value.length ? shape(value[0], `${path}[]`, records) : [];
  if (value === null || typeof value !== "object") return [];
  if (records.includes(path)) return [path];
  return Object.entries(value).flatMap(([key, inner]) => [
    `${path}.${key}`,
    ...shape(inner, `${path}.${key}`, records),
  ]);
}

Deno.test("README's /api/status example has the shape of a real snapshot", () => {
  const [example] = blocks("json");
  const stats = new Stats();
  stats.call("publish_batch");
  stats.count("prometheus", "deferred", 1);
  stats.reject("missing_tag");
  const status = new StatusPage({
    sinks: ["prometheus"],
    stats: () => stats.snapshot({ depth: 1, oldestAgeMs: 1, bytes: 1, writable: true }),
    backlog: () => ({ depth: 1, oldestAgeMs: 1 }),
    problem: () => ({ message: "network error", atMs: 1 }),
    serving: () => true,
    refreshMs: 15_000,
    secrets: [],
  });
  status.observe([{
    time: Math.floor(Date.now() / 1000),
    tags: { environment: "e", service: "s", container: "c", host_name: "h" },
    metrics: { running: 1, milli_cpu_usage: 1 },
  }]);
  // Records keyed by names (tags, metrics, methods, reasons, decisions) vary; their places do not.
  const records = [
    ".containers[].tags",
    ".containers[].metrics",
    ".destinations[].points",
    ".intake.callsPerSecond",
    ".intake.calls",
    ".intake.rejected",
  ];
  assert.deepEqual(
    shape(JSON.parse(example.text), "", records).sort(),
    shape(status.snapshot(), "", records).sort(),
  );
});

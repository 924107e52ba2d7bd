import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LABEL_PREFIX } from "../config/mod.ts";
import {
  containerConfigPath,
  ContainerTagCache,
  type ContainerTagOptions,
  MAX_CONFIG_BYTES,
  readContainerTags,
  TAG_RECHECK_MS,
} from "./container_tags.ts";

const FIXTURES = fileURLToPath(new URL("../../tests/fixtures/docker/", import.meta.url));

/** The fixture containers (tests/fixtures/docker/README.md). */
const WEB = "8b66c5023cd1123a48b273564d74a6cc9cdc9166d8d5cd3a4735e1743c849ee1";
const WORKER = "e3f71341f2968289d0d675ba1dd67e298673e15e252ae14ec595290b036bacde";
const ORDERS_DB = "2671fad8ec688d7760cbeb2de377364ecc61267eba5bef965bcc208614a4d2e9";
const SLEEPER = "f38c5e1116485c456fcf01a732ad5857d5459003155b9b0692f44980c5ef5cd3";
const GARBAGE = "540effbf2c895760c12a728791ab236eb60d1262f9ad0d0abb52c9df2c7974b3";
const ABSENT = "0c1d2e3f405162738495a6b7c8d9e0f1021324354657687980a1b2c3d4e5f607";

const options = (overrides: Partial<ContainerTagOptions> = {}): ContainerTagOptions => ({
  dockerRoot: FIXTURES,
  labelPrefix: DEFAULT_LABEL_PREFIX,
  defaultEnvironment: "fleet",
  defaultService: "unlabelled",
  ...overrides,
});

/** What JSON.parse says about `text`. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(text)} is valid JSON`);
}

const idTags = (id: string) => ({
  container: id,
  host_name: id.slice(0, 12),
  host: id.slice(0, 12),
});

Deno.test("tags from labels, with the collector's names for the missing environment or service", () => {
  assert.deepEqual(readContainerTags(options(), WEB), {
    tags: { environment: "production", service: "web", app: "shop", ...idTags(WEB) },
  });
  assert.deepEqual(readContainerTags(options(), WORKER), {
    tags: { environment: "fleet", service: "worker", app: "shop", ...idTags(WORKER) },
  });
  assert.deepEqual(readContainerTags(options(), ORDERS_DB), {
    tags: { environment: "staging", service: "postgres", database: "orders", ...idTags(ORDERS_DB) },
  });
  assert.deepEqual(readContainerTags(options(), SLEEPER), {
    tags: { environment: "fleet", service: "unlabelled", ...idTags(SLEEPER) },
  });
});

Deno.test("the label prefix is configurable: compose's own service label", () => {
  const compose = options({ labelPrefix: "com.docker.compose." });
  assert.deepEqual(readContainerTags(compose, WORKER), {
    tags: { environment: "fleet", service: "worker", ...idTags(WORKER) },
  });
  assert.deepEqual(readContainerTags(compose, WEB), {
    tags: { environment: "fleet", service: "unlabelled", ...idTags(WEB) },
  });
});

Deno.test("a container without environment or service after the defaults is skipped", () => {
  const path = containerConfigPath(FIXTURES, SLEEPER);
  assert.deepEqual(readContainerTags(options({ defaultEnvironment: undefined }), SLEEPER), {
    skip: `${path}: no environment: no label "mini-collector.environment" and ` +
      "MINI_COLLECTOR_ENVIRONMENT_NAME is not set",
  });
  assert.deepEqual(readContainerTags(options({ defaultService: "" }), SLEEPER), {
    skip: `${path}: no service: no label "mini-collector.service" and ` +
      "MINI_COLLECTOR_SERVICE_NAME is not set",
  });
  assert.ok("tags" in readContainerTags(options({ defaultEnvironment: undefined }), ORDERS_DB));
});

Deno.test("missing, garbage and misnamed files are skipped with the file and the problem", () => {
  const garbage = readContainerTags(options(), GARBAGE);
  assert.ok("skip" in garbage);
  assert.equal(
    garbage.skip,
    `${containerConfigPath(FIXTURES, GARBAGE)}: not JSON (${jsonError("")})`,
  );
  assert.deepEqual(readContainerTags(options(), ABSENT), {
    unknown: `no ${containerConfigPath(FIXTURES, ABSENT)}`,
  });
  assert.deepEqual(readContainerTags(options(), "../../../etc"), {
    skip: `"../../../etc" is not a 64-character lowercase hex container id`,
  });
  assert.deepEqual(readContainerTags(options({ dockerRoot: "/nonexistent/docker" }), WEB), {
    unknown: `no /nonexistent/docker/containers/${WEB}/config.v2.json`,
  });
});

/** A writable Docker root holding copies of the fixture containers. */
class DockerRoot implements Disposable {
  readonly root = Deno.makeTempDirSync({ prefix: "docker-root-" });

  constructor() {
    for (const id of [WEB, WORKER, ORDERS_DB, SLEEPER]) {
      Deno.mkdirSync(join(this.root, "containers", id), { recursive: true });
      Deno.copyFileSync(containerConfigPath(FIXTURES, id), this.path(id));
    }
  }

  path(id: string): string {
    return containerConfigPath(this.root, id);
  }

  /** The fixture's container as parsed JSON. */
  original(id: string): Record<string, unknown> {
    return JSON.parse(Deno.readTextFileSync(containerConfigPath(FIXTURES, id)));
  }

  /** Rewrites the container's file as Docker does: a new file renamed over the old one. */
  write(id: string, text: string): void {
    Deno.mkdirSync(join(this.root, "containers", id), { recursive: true });
    Deno.writeTextFileSync(`${this.path(id)}.tmp`, text);
    Deno.renameSync(`${this.path(id)}.tmp`, this.path(id));
  }

  /** Rewrites the container's file with the fixture's content changed by `edit`. */
  edit(id: string, edit: (container: Record<string, unknown>) => void): void {
    const container = this.original(id);
    edit(container);
    this.write(id, `${JSON.stringify(container)}\n`);
  }

  /** Sets a label of the fixture's container. */
  label(id: string, name: string, value: unknown): void {
    this.edit(id, (container) => {
      const config = container.Config as { Labels: Record<string, unknown> };
      config.Labels = { ...config.Labels, [name]: value };
    });
  }

  [Symbol.dispose](): void {
    Deno.removeSync(this.root, { recursive: true });
  }
}

Deno.test("label values are held to the aggregator's tag rules", () => {
  using docker = new DockerRoot();
  const lookup = () => readContainerTags(options({ dockerRoot: docker.root }), WEB);
  const skipped = (problem: string) => ({ skip: `${docker.path(WEB)}: ${problem}` });

  docker.label(WEB, "mini-collector.environment", "prod\u0007");
  assert.deepEqual(
    lookup(),
    skipped(
      `invalid tag: tag "environment" (from label "mini-collector.environment") ` +
        `contains a control character`,
    ),
  );
  docker.label(WEB, "mini-collector.service", "s".repeat(300));
  assert.deepEqual(
    lookup(),
    skipped(
      `invalid tag: tag "service" (from label "mini-collector.service") ` +
        `is 300 characters long, more than 255`,
    ),
  );
  docker.label(WEB, "mini-collector.app", "shop\nfront");
  assert.deepEqual(
    lookup(),
    skipped(
      `invalid tag: tag "app" (from label "mini-collector.app") contains a control character`,
    ),
  );
  docker.label(WEB, "mini-collector.database", 42);
  assert.deepEqual(lookup(), skipped(`label "mini-collector.database" is not a string`));

  docker.label(WEB, "mini-collector.environment", "café-prod");
  assert.deepEqual(lookup(), {
    tags: { environment: "café-prod", service: "web", app: "shop", ...idTags(WEB) },
  });
  docker.label(WEB, "mini-collector.service", "  web  ");
  assert.deepEqual(lookup(), {
    tags: { environment: "production", service: "web", app: "shop", ...idTags(WEB) },
  }, "the aggregator records a header value without surrounding spaces");
  docker.label(WEB, "mini-collector.environment", "");
  assert.deepEqual(lookup(), {
    tags: { environment: "fleet", service: "web", app: "shop", ...idTags(WEB) },
  }, "an empty label is no label");
});

Deno.test("a config cut short, without Config, with null labels or another container's ID", () => {
  using docker = new DockerRoot();
  const lookup = (id: string) => readContainerTags(options({ dockerRoot: docker.root }), id);
  docker.edit(WEB, (container) => delete container.Config);
  assert.deepEqual(lookup(WEB), { skip: `${docker.path(WEB)}: no "Config" object` });
  docker.edit(WEB, (container) => (container.Config as { Labels: unknown }).Labels = null);
  assert.deepEqual(lookup(WEB), {
    tags: { environment: "fleet", service: "unlabelled", ...idTags(WEB) },
  });
  docker.edit(WEB, (container) => (container.Config as { Labels: unknown }).Labels = ["a=b"]);
  assert.deepEqual(lookup(WEB), { skip: `${docker.path(WEB)}: "Config.Labels" is not an object` });
  const cut = Deno.readTextFileSync(docker.path(WORKER)).slice(0, 700);
  docker.write(WORKER, cut);
  assert.deepEqual(lookup(WORKER), {
    skip: `${docker.path(WORKER)}: not JSON (${jsonError(cut)})`,
  });
  docker.write(WEB, "[]\n");
  assert.deepEqual(lookup(WEB), { skip: `${docker.path(WEB)}: not a JSON object` });

  docker.write(ABSENT, Deno.readTextFileSync(containerConfigPath(FIXTURES, WORKER)));
  assert.deepEqual(lookup(ABSENT), {
    skip: `${docker.path(ABSENT)}: its "ID" is "${WORKER}", not the directory's ${ABSENT}`,
  });
  Deno.removeSync(docker.path(ABSENT));
  Deno.mkdirSync(docker.path(ABSENT));
  assert.deepEqual(lookup(ABSENT), { skip: `${docker.path(ABSENT)}: not a regular file` });
});

Deno.test("a file is read up to 1 MiB and no further", () => {
  using docker = new DockerRoot();
  const lookup = () => readContainerTags(options({ dockerRoot: docker.root }), ORDERS_DB);
  const original = Deno.readTextFileSync(docker.path(ORDERS_DB));
  const padTo = (bytes: number) => original.replace(/\n$/, " ".repeat(bytes - original.length + 1));

  docker.write(ORDERS_DB, padTo(MAX_CONFIG_BYTES));
  assert.equal(Deno.statSync(docker.path(ORDERS_DB)).size, MAX_CONFIG_BYTES);
  assert.ok("tags" in lookup());

  docker.write(ORDERS_DB, padTo(MAX_CONFIG_BYTES + 1));
  assert.deepEqual(lookup(), {
    skip: `${docker.path(ORDERS_DB)}: ${MAX_CONFIG_BYTES + 1} bytes, larger than ` +
      `${MAX_CONFIG_BYTES} bytes, the most read`,
  });
});

Deno.test("ContainerTagCache re-reads a file only when it changes", () => {
  using docker = new DockerRoot();
  const cache = new ContainerTagCache(options({ dockerRoot: docker.root }), { recheckMs: 0 });
  const first = cache.lookup(WEB);
  assert.deepEqual(first, {
    tags: { environment: "production", service: "web", app: "shop", ...idTags(WEB) },
  });
  assert.equal(cache.lookup(WEB), first, "unchanged file: the same lookup");

  // Same inode, size and modification time: not read again, though the content differs.
  const path = docker.path(WEB);
  const before = Deno.statSync(path);
  const text = Deno.readTextFileSync(path);
  Deno.writeTextFileSync(path, text.replace('"production"', '"productiox"'));
  Deno.utimeSync(path, before.atime!, before.mtime!);
  assert.equal(cache.lookup(WEB), first);

  docker.label(WEB, "mini-collector.environment", "staging");
  assert.deepEqual(cache.lookup(WEB), {
    tags: { environment: "staging", service: "web", app: "shop", ...idTags(WEB) },
  });

  Deno.removeSync(path);
  const missing = cache.lookup(WEB);
  assert.deepEqual(missing, { unknown: `no ${path}` });
  assert.equal(cache.lookup(WEB), missing, "a skip comes back as the same lookup too");
  docker.write(WEB, text);
  assert.deepEqual(cache.lookup(WEB), first);

  cache.lookup(WORKER);
  cache.lookup(SLEEPER);
  assert.equal(cache.size, 3);
  cache.retain([WORKER]);
  assert.equal(cache.size, 1);
  assert.deepEqual(
    cache.lookup(WORKER),
    readContainerTags(options({ dockerRoot: docker.root }), WORKER),
  );
});

Deno.test("ContainerTagCache looks at a file again only after its recheck period", () => {
  using docker = new DockerRoot();
  let nowMs = 0;
  const cache = new ContainerTagCache(options({ dockerRoot: docker.root }), {
    recheckMs: TAG_RECHECK_MS,
    now: () => nowMs,
  });
  const environment = (id: string) => {
    const lookup = cache.lookup(id);
    return "tags" in lookup ? lookup.tags.environment : lookup;
  };
  const first = cache.lookup(WEB);
  assert.equal(environment(WEB), "production");

  docker.label(WEB, "mini-collector.environment", "staging");
  nowMs = TAG_RECHECK_MS - 1;
  assert.equal(cache.lookup(WEB), first, "within the period: the cached tags, no look");
  nowMs = TAG_RECHECK_MS;
  assert.equal(environment(WEB), "staging", "at the period: the changed file is read");
  const changed = cache.lookup(WEB);

  // Unchanged after the period: the same lookup, and the period starts again from that look.
  nowMs = 2 * TAG_RECHECK_MS;
  assert.equal(cache.lookup(WEB), changed);
  Deno.removeSync(docker.path(WEB));
  nowMs = 3 * TAG_RECHECK_MS - 1;
  assert.equal(cache.lookup(WEB), changed, "a removed file too is seen only after the period");
  nowMs = 3 * TAG_RECHECK_MS;
  assert.deepEqual(cache.lookup(WEB), { unknown: `no ${docker.path(WEB)}` });

  // A container first asked about is read at once, whatever the clock says of the others.
  docker.label(WORKER, "mini-collector.environment", "canary");
  assert.equal(environment(WORKER), "canary");
  // One dropped (its cgroup missed a listing) and asked about again is read afresh.
  docker.label(WORKER, "mini-collector.environment", "qa");
  cache.retain([WEB]);
  assert.equal(environment(WORKER), "qa");
});

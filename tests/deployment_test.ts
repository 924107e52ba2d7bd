/**
 * What CI can prove about the deployment without a Docker engine: compose.yaml
 * passes Debian's `docker-compose config -q`; the Dockerfiles are well formed,
 * copy everything their entry point imports and run it without a shell as
 * nonroot; each image's build-time defaults give exactly the permissions
 * compose.yaml's runtime configuration needs; every program's flags come from
 * its program's permissions entry; the compile tasks reach `deno compile` with them; no
 * command grants everything; the README documents every variable; the
 * Kubernetes manifests (deploy/kubernetes/) validate against the Kubernetes
 * schema offline, each names an image built with exactly the permissions its
 * configuration needs, and their names agree.
 */
import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { ENV_ALLOWED, type Program, programFlags } from "./support/program_flags.ts";
import { cachedArchive, denortArchive } from "../shared/permissions/denort.ts";
import {
  type Dockerfile,
  execForm,
  parseDockerfile,
  splitOptions,
  type Stage,
  stageVariables,
  type Variables,
  words,
} from "./support/dockerfile.ts";
import { dockerignore } from "./support/dockerignore.ts";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import {
  containerEnv,
  containersOf,
  imageBuilds,
  manifestObjects,
} from "./support/kubernetes_manifests.ts";
import { configuredVariables } from "./support/configured_variables.ts";
import { readRepositoryFile as read, repositoryHas as exists, ROOT } from "./support/repository.ts";

const DENO = Deno.execPath();
/**
 * A program's permissions entry, run: reading the program's own variables is
 * the one literal permission flag allowed in config.
 */
function generator(program: Program): string {
  return `deno run --quiet --allow-env=${ENV_ALLOWED[program]} ${program}/permissions.ts`;
}
/** The compile tasks' check that deno compile can have its runtime (shared/permissions/denort.ts). */
const RUNTIME_CHECK = "deno run --quiet --no-prompt " +
  "--allow-env=DENORT_BIN,DENO_DIR,XDG_CACHE_HOME,HOME --allow-read --allow-net=dl.deno.land " +
  "shared/permissions/denort.ts";

interface Image {
  program: Program;
  entry: string;
  dockerfile: string;
}

const IMAGES: Image[] = [
  { program: "collector", entry: "collector/main.ts", dockerfile: "Dockerfile.collector" },
  { program: "aggregator", entry: "aggregator/main.ts", dockerfile: "Dockerfile.aggregator" },
];

async function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; clearEnv?: boolean; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...options.env },
    clearEnv: options.clearEnv,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

const tasks: Record<string, string> = JSON.parse(read("deno.json")).tasks;

function dockerfile(image: Image): Dockerfile {
  return parseDockerfile(read(image.dockerfile), image.dockerfile);
}

function stage(file: Dockerfile, index: number): Stage {
  return file.stages.at(index)!;
}

function instructions(stage: Stage, keyword: string) {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The binary the compile task writes (`--output dist/<name>`). */
function compiledBinary(program: Program): string {
  const match = /--output (\S+)/.exec(tasks[`compile:${program}`]);
  assert.ok(match, `compile:${program} names its --output`);
  return match[1];
}

/** Where the runtime stage installs the binary, from its COPY --from=<build stage>. */
function installedBinary(image: Image): string {
  const file = dockerfile(image);
  const [copy] = instructions(stage(file, -1), "COPY")
    .filter((instruction) => words(instruction.args, {}).some((word) => word.includes("dist/")));
  assert.ok(copy, `${image.dockerfile}: the runtime stage copies the compiled binary`);
  return words(splitOptions(copy.args).rest, {}).at(-1)!;
}

// --- docker-compose: validate, and read the normalised file ----------------

async function dockerCompose(): Promise<string | undefined> {
  const found = await run("sh", ["-c", "command -v docker-compose"]);
  if (found.code === 0) return found.stdout.trim();
  if (Deno.uid() !== 0) return undefined;
  const install = "apt-get install -y -qq docker-compose || " +
    "(apt-get update -qq && apt-get install -y -qq docker-compose)";
  const installed = await run("sh", ["-c", install], {
    env: { DEBIAN_FRONTEND: "noninteractive" },
  });
  assert.equal(installed.code, 0, `installing docker-compose failed:\n${installed.stderr}`);
  return (await run("sh", ["-c", "command -v docker-compose"])).stdout.trim();
}

const COMPOSE = await dockerCompose();
if (!COMPOSE) {
  console.log("deployment_test: docker-compose is not installed and this is not root: skipping");
}

interface ComposeService {
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  image: string;
  restart?: string;
  read_only?: boolean;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: { published: number; target: number }[];
  cgroup_parent?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** `docker-compose config` (1.29 prints YAML only), as JSON via the PyYAML it runs on. */
async function composeServices(): Promise<Record<string, ComposeService>> {
  const config = await run(COMPOSE!, ["-f", "compose.yaml", "config"]);
  assert.equal(config.code, 0, config.stderr);
  const json = await run("python3", [
    "-c",
    "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)",
  ], { stdin: config.stdout });
  assert.equal(json.code, 0, json.stderr);
  return JSON.parse(json.stdout).services;
}

Deno.test({
  name: "compose.yaml passes docker-compose config -q",
  ignore: !COMPOSE,
  fn: async () => {
    const result = await run(COMPOSE!, ["-f", "compose.yaml", "config", "-q"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
  },
});

Deno.test({
  name: "each image's build-time defaults give exactly the flags compose.yaml's runtime needs",
  ignore: !COMPOSE,
  fn: async () => {
    const services = await composeServices();
    for (const image of IMAGES) {
      const service = services[image.program];
      assert.ok(service, `compose.yaml has a ${image.program} service`);
      assert.equal(service.build?.dockerfile, image.dockerfile);
      assert.match(service.restart ?? "", /^(always|unless-stopped)$/);
      assert.equal(service.read_only, true, `${image.program} runs on a read-only root`);
      const file = dockerfile(image);
      const build = stageVariables(file, stage(file, 0), service.build?.args);
      const runtime = {
        ...stageVariables(file, stage(file, -1), service.build?.args).env,
        ...service.environment,
      };
      assert.deepEqual(
        programFlags(image.program, envFrom(runtime)),
        programFlags(image.program, envFrom({ ...build.args, ...build.env })),
        `${image.dockerfile}'s build arguments give the ${image.program} the permissions ` +
          "compose.yaml's configuration needs",
      );
    }
  },
});

Deno.test({
  name: "compose.yaml: spool volume, healthcheck, cgroup wiring and a Datadog-compatible sink",
  ignore: !COMPOSE,
  fn: async () => {
    const services = await composeServices();
    const { aggregator, collector } = services;
    const spool = aggregator.environment!.AGGREGATOR_SPOOL_PATH;
    assert.ok(aggregator.volumes!.some((volume) => volume.split(":")[1] === spool));
    assert.deepEqual(aggregator.healthcheck!.test, [
      "CMD",
      ...execForm(healthcheck(IMAGES[1]))!,
    ]);
    assert.equal(collector.depends_on!.aggregator.condition, "service_healthy");

    const env = collector.environment!;
    assert.ok(
      collector.volumes!.includes(`/sys/fs/cgroup:${env.MINI_COLLECTOR_CGROUP_PATH}:ro`),
      "the host cgroup tree is mounted read-only where the collector reads it",
    );
    assert.ok(
      collector.volumes!.some((volume) => volume.split(":")[1] === env.MINI_COLLECTOR_MOUNT_PATH),
    );
    const watched = Object.entries(services)
      .filter(([, service]) => service.cgroup_parent === env.MINI_COLLECTOR_CGROUP_RELATIVE_PATH);
    assert.equal(watched.length, 1, "exactly one container lives in the collector's cgroup");
    assert.notEqual(watched[0][0], "collector");

    const remote = env.MINI_COLLECTOR_REMOTE_ADDRESS.split(":");
    assert.ok(services[remote[0]], `the collector's aggregator ${remote[0]} is a service`);
    assert.equal(remote[1], aggregator.environment!.AGGREGATOR_LISTEN_ADDRESS.split(":")[1]);

    const datadog = JSON.parse(aggregator.environment!.AGGREGATOR_DATADOG_CONFIGURATION);
    const series = new URL(datadog.series_url);
    assert.equal(series.pathname, "/datadog/api/v1/series");
    const sink = services[series.hostname];
    assert.match(sink.image, /^victoriametrics\/victoria-metrics:/);
    assert.ok(
      sink.ports!.some((port) => String(port.target) === series.port),
      "its port is published",
    );
  },
});

// --- Dockerfiles ------------------------------------------------------------

function healthcheck(image: Image): string {
  const [instruction] = instructions(stage(dockerfile(image), -1), "HEALTHCHECK");
  assert.ok(instruction, `${image.dockerfile} declares a HEALTHCHECK`);
  const { rest } = splitOptions(instruction.args);
  assert.match(rest, /^CMD\s/);
  return rest.replace(/^CMD\s+/, "");
}

for (const image of IMAGES) {
  Deno.test(`${image.dockerfile}: pinned Deno build stage, distroless nonroot runtime without a shell`, () => {
    const file = dockerfile(image);
    assert.equal(file.stages.length, 2);
    const [build, runtime] = file.stages;
    assert.equal(build.image, `denoland/deno:${Deno.version.deno}`);
    assert.equal(runtime.image, "gcr.io/distroless/cc-debian12:nonroot");

    // Distroless has no shell: nothing may need one at run time.
    assert.deepEqual(instructions(runtime, "RUN"), [], "no RUN in the runtime stage");
    for (const keyword of ["ENTRYPOINT", "CMD", "HEALTHCHECK"]) {
      for (const instruction of instructions(runtime, keyword)) {
        const command = keyword === "HEALTHCHECK"
          ? splitOptions(instruction.args).rest.replace(/^CMD\s+/, "")
          : instruction.args;
        assert.ok(
          command === "NONE" || execForm(command),
          `${keyword} at line ${instruction.line} is exec form`,
        );
      }
    }
    const [entrypoint] = instructions(runtime, "ENTRYPOINT");
    assert.deepEqual(execForm(entrypoint.args), [installedBinary(image)]);
    assert.equal(instructions(runtime, "USER").at(-1)?.args, "nonroot");
    const labels = instructions(runtime, "LABEL").flatMap((label) => words(label.args, {}));
    assert.ok(labels.some((label) => label.startsWith("org.opencontainers.image.title=")));
  });

  Deno.test(`${image.dockerfile}: copies exist, come from known stages, every ARG is used`, () => {
    const file = dockerfile(image);
    const ignored = dockerignore(read(".dockerignore"));
    for (const [index, current] of file.stages.entries()) {
      for (const copy of instructions(current, "COPY")) {
        const { options, rest } = splitOptions(copy.args);
        const sources = words(rest, {}).slice(0, -1);
        const from = options.get("from");
        if (from === undefined) {
          for (const source of sources) {
            assert.ok(exists(source), `${image.dockerfile}:${copy.line}: ${source} exists`);
            assert.ok(
              !ignored(source),
              `${image.dockerfile}:${copy.line}: ${source} is in the context`,
            );
          }
        } else {
          const earlier = file.stages.slice(0, index).map((stage) => stage.name);
          assert.ok(
            earlier.includes(from),
            `${image.dockerfile}:${copy.line}: stage ${from} exists`,
          );
        }
      }
      // An ARG nobody reads is a build argument that silently does nothing.
      for (const arg of instructions(current, "ARG")) {
        const [[name]] = words(arg.args, {}).map((word) => word.split("="));
        const later = current.instructions.filter((instruction) => instruction.line > arg.line);
        assert.ok(
          later.some((instruction) => new RegExp(`\\$\\{?${name}\\b`).test(instruction.args)),
          `${image.dockerfile}:${arg.line}: ARG ${name} is used`,
        );
      }
    }
    for (const global of file.globals) {
      const [name] = words(global.args, {})[0].split("=");
      assert.ok(
        file.stages.some((stage) => instructions(stage, "ARG").some((arg) => arg.args === name)),
        `${image.dockerfile}:${global.line}: global ARG ${name} is brought into a stage`,
      );
    }

    // The binary the runtime stage copies is the one the compile task writes.
    const build = stage(file, 0);
    const [workdir] = instructions(build, "WORKDIR");
    const [copy] = instructions(stage(file, -1), "COPY").filter((instruction) =>
      splitOptions(instruction.args).options.get("from") === build.name &&
      instruction.args.includes("dist/")
    );
    assert.equal(
      words(splitOptions(copy.args).rest, {})[0],
      `${workdir.args}/${compiledBinary(image.program)}`,
    );
  });

  const permissions = `${image.program}/permissions.ts`;
  Deno.test(`${image.dockerfile}: the build context holds every module ${image.entry} and ${permissions} import, and only shared/ and ${image.program}/`, async () => {
    const local: string[] = [];
    for (const entry of [image.entry, permissions]) {
      const info = await run(DENO, ["info", "--json", entry]);
      assert.equal(info.code, 0, info.stderr);
      const root = new URL(".", ROOT).href;
      local.push(
        ...JSON.parse(info.stdout).modules
          .map((module: { specifier: string }) => module.specifier)
          .filter((specifier: string) => specifier.startsWith(root))
          .map((specifier: string) => specifier.slice(root.length)),
      );
      assert.ok(local.includes(entry));
    }

    const build = stage(dockerfile(image), 0);
    const copied = instructions(build, "COPY")
      .flatMap((copy) => words(splitOptions(copy.args).rest, {}).slice(0, -1));
    assert.deepEqual(
      copied.sort(),
      ["deno.json", "deno.lock", `${image.program}/`, "shared/"].sort(),
    );
    const ignored = dockerignore(read(".dockerignore"));
    for (const path of [...local, "deno.json", "deno.lock"]) {
      assert.ok(
        copied.some((source) => source.endsWith("/") ? path.startsWith(source) : path === source),
        `${image.dockerfile} copies ${path}`,
      );
      assert.ok(!ignored(path), `.dockerignore keeps ${path} in the build context`);
    }
  });
}

Deno.test("Dockerfile.aggregator: HEALTHCHECK runs the binary's --healthcheck mode, spool is a nonroot volume", () => {
  const image = IMAGES[1];
  const runtime = stage(dockerfile(image), -1);
  assert.deepEqual(execForm(healthcheck(image)), [installedBinary(image), "--healthcheck"]);
  assert.match(read(image.entry), /"--healthcheck"/);

  const file = dockerfile(image);
  const { env } = stageVariables(file, runtime);
  const spool = env.AGGREGATOR_SPOOL_PATH!;
  assert.ok(spool.startsWith("/"), "the spool is an absolute path");
  assert.deepEqual(instructions(runtime, "VOLUME").map((volume) => words(volume.args, env)), [[
    spool,
  ]]);
  const [owned] = instructions(runtime, "COPY")
    .filter((copy) => words(splitOptions(copy.args).rest, env).at(-1) === spool);
  assert.equal(splitOptions(owned.args).options.get("chown"), "65532:65532");
  const port = env.AGGREGATOR_LISTEN_ADDRESS!.split(":").at(-1);
  assert.deepEqual(instructions(runtime, "EXPOSE").map((expose) => expose.args), [port]);
});

// --- One source of permission flags --------------------------------------

const PERMISSION_FLAG = /(^|[\s"'=(])(-A|--allow-[a-z]+|--deny-[a-z]+|--v8-flags|--no-prompt)\b/;

/**
 * A compile task type-checks in a process of its own: `deno compile` runs
 * under the program's V8 flags, and the collector's heap cap (sized from its
 * queue) is too small for the type checker.
 */
Deno.test("permission flags come only from each program's permissions entry, in tasks, compile tasks and images", () => {
  for (const { program, entry } of IMAGES) {
    const flags = `$(${generator(program)})`;
    const runTask = program === "collector" ? "collect" : "aggregate";
    assert.equal(tasks[runTask], `deno run ${flags} ${entry}`);
    const compile = new RegExp(
      `^${
        escape(
          `${generator(program)} --verify && ${RUNTIME_CHECK} && ` +
            `deno check ${entry} && deno compile --no-check ${flags}`,
        )
      }` +
        ` (.+) --output dist/\\S+ ${escape(entry)}$`,
    ).exec(tasks[`compile:${program}`]);
    assert.ok(compile, `compile:${program} compiles ${entry} with the generator's flags`);
    assert.doesNotMatch(compile[1], PERMISSION_FLAG, `compile:${program} adds no flags of its own`);
    assert.match(
      compile[1],
      new RegExp(`--app-name ${escape(compiledBinary(program).split("/").at(-1)!)}\\b`),
    );
  }
  // Any other task that starts a program must take its flags from the generator too.
  for (const [name, task] of Object.entries(tasks)) {
    if (!IMAGES.some(({ entry }) => task.includes(entry))) continue;
    assert.doesNotMatch(
      IMAGES.reduce((rest, { program }) => rest.replaceAll(generator(program), ""), task)
        .replace(RUNTIME_CHECK, ""),
      PERMISSION_FLAG,
      `task ${name}`,
    );
  }
  for (const path of ["Dockerfile.collector", "Dockerfile.aggregator", "compose.yaml"]) {
    assert.doesNotMatch(read(path), PERMISSION_FLAG, `${path} carries no permission flag`);
  }
  for (const image of IMAGES) {
    const runs = instructions(stage(dockerfile(image), 0), "RUN").map((run) => run.args);
    const deno = runs.flatMap((run) => run.split("&&").map((part) => part.trim()))
      .filter((command) => /^deno\b/.test(command));
    assert.deepEqual(deno, [
      "deno install --frozen-lockfile",
      `deno task compile:${image.program}`,
    ]);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("nothing in the repository's code or config grants every permission", async () => {
  const listed = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard"]);
  assert.equal(listed.code, 0, listed.stderr);
  const files = listed.stdout.split("\n").filter((path) =>
    path !== "" && exists(path) && !/^(toolchain|shared\/gen)\//.test(path) &&
    /(\.(ts|json|ya?ml|sh)|^Dockerfile\..*|^\.ci\/run)$/.test(path)
  );
  assert.ok(files.includes("deno.json") && files.includes("Dockerfile.collector"));
  // A deno command line inside a string or a config line, or an argument literal.
  const commandLine = /\bdeno\s+(run|test|compile|serve|bench)\b[^"'`\n]*\s(-A|--allow-all)\b/;
  const argument = /(["'`])(-A|--allow-all)(=[^"'`]*)?\1/;
  const configToken = /(^|[\s"'=])(-A|--allow-all)(?=[\s"',=]|$)|\bdeno\s+(eval|repl)\b/m;
  const offenders = files.filter((path) => {
    const text = read(path);
    return commandLine.test(text) || (path.endsWith(".ts") ? argument : configToken).test(text);
  });
  assert.deepEqual(offenders, []);
});

// --- Compile tasks --------------------------------------------------------

for (const image of IMAGES) {
  Deno.test(`compile:${image.program} type-checks and reaches deno compile with the image's build configuration`, async () => {
    const file = dockerfile(image);
    const { args, env } = stageVariables(file, stage(file, 0));
    const distExisted = exists("dist");
    // A base binary that does not exist stops `deno compile` right after it has
    // parsed the flags, type-checked the program and built its module graph,
    // where it would otherwise download its runtime (this machine cannot).
    const result = await run(DENO, ["task", `compile:${image.program}`], {
      clearEnv: true,
      env: {
        ...outsideConfiguration(),
        ...definedOnly({ ...args, ...env }),
        NO_COLOR: "1",
        DENORT_BIN: "/nonexistent/denort",
      },
    });
    if (!distExisted) await Deno.remove(new URL("dist", ROOT), { recursive: true }).catch(() => {});
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`Compile ${escape(image.entry)} to ${escape(compiledBinary(image.program))}`),
    );
    assert.match(result.stderr, /Could not find denort at '\/nonexistent\/denort'/);
  });
}

Deno.test({
  name: "compile tasks stop with how to build offline when Deno's runtime cannot be downloaded",
  // A runtime an earlier build cached needs no download: nothing to check then.
  ignore: runtimeCached(),
  async fn() {
    const file = dockerfile(IMAGES[0]);
    const { args, env } = stageVariables(file, stage(file, 0));
    // The download goes through a proxy nobody listens on: unreachable on any machine.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const proxy = `http://127.0.0.1:${closed.addr.port}`;
    closed.close();
    const distExisted = exists("dist");
    const outside = outsideConfiguration();
    delete outside.DENORT_BIN;
    for (const name of ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]) delete outside[name];
    const result = await run(DENO, ["task", "compile:collector"], {
      clearEnv: true,
      env: { ...outside, ...definedOnly({ ...args, ...env }), HTTPS_PROXY: proxy, NO_COLOR: "1" },
    });
    assert.equal(result.code, 1, result.stderr);
    const { url } = denortArchive();
    assert.match(
      result.stderr,
      new RegExp(`deno compile downloads Deno's runtime for the binary from ${escape(url)}`),
    );
    assert.match(result.stderr, /that host cannot be reached \(.*Connection refused/);
    assert.match(
      result.stderr,
      new RegExp(
        `set DENORT_BIN to the path of a denort binary of Deno ${escape(Deno.version.deno)}`,
      ),
    );
    assert.doesNotMatch(result.stderr, /Compile collector\/main\.ts|dns error|Caused by/);
    if (!distExisted) assert.ok(!exists("dist"), "no dist/ left behind");
  },
});

/** Whether Deno's cache already holds the runtime deno compile would download. */
function runtimeCached(): boolean {
  const archive = cachedArchive((name) => Deno.env.get(name));
  return archive !== undefined && exists(archive);
}

Deno.test("compile tasks refuse an incomplete build configuration instead of compiling without permissions", async () => {
  const file = dockerfile(IMAGES[0]);
  const { args, env } = stageVariables(file, stage(file, 0));
  const result = await run(DENO, ["task", "compile:collector"], {
    clearEnv: true,
    env: {
      ...outsideConfiguration(),
      ...definedOnly({ ...args, ...env, MINI_COLLECTOR_CONTAINER_ID: undefined }),
    },
  });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /cannot compile the collector for this configuration: MINI_COLLECTOR_CONTAINER_ID: is required/,
  );
  assert.doesNotMatch(result.stderr, /Compile collector\/main\.ts/);
});

/** This process's environment without the programs' own variables (PATH, HOME, Deno's cache…). */
function outsideConfiguration(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(Deno.env.toObject())
      .filter(([name]) => !/^(MINI_COLLECTOR|AGGREGATOR)_/.test(name)),
  );
}

function definedOnly(variables: Variables): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

// --- README ---------------------------------------------------------------

Deno.test("README's configuration section documents every environment variable, and only those", () => {
  const readme = read("README.md");
  const configuration = readme.indexOf("\n## Configuration\n");
  const variables = readme.indexOf("\n### Environment variables\n", configuration);
  assert.ok(
    configuration >= 0 && variables > configuration,
    "README has ## Configuration › ### Environment variables",
  );
  const next = readme.indexOf("\n## ", variables);
  const rows = readme.slice(variables, next < 0 ? undefined : next).split("\n")
    .filter((line) => line.startsWith("| `"));
  const documented = new Map(rows.map((row) => {
    const cells = row.replace(/^\|\s*|\s*\|$/g, "").split(/\s+\|\s+/);
    return [cells[0].replace(/^`|`$/g, ""), cells] as const;
  }));
  const configured = configuredVariables();
  assert.ok(
    configured.has("AGGREGATOR_TLS_CA_CERTIFICATE") && configured.has("MINI_COLLECTOR_DEBUG"),
  );
  assert.deepEqual(
    [...configured].filter((name) => !documented.has(name)).sort(),
    [],
    "variables the code reads but README's table does not list",
  );
  assert.deepEqual(
    [...documented.keys()].filter((name) => !configured.has(name)).sort(),
    [],
    "variables README's table lists but the code does not read",
  );
  for (const [name, cells] of documented) {
    assert.equal(cells.length, 3, `${name}: default and meaning`);
    assert.ok(cells.every((cell) => cell !== ""), `${name}: no empty cell`);
  }
});

// --- Kubernetes manifests (deploy/kubernetes/) --------------------------------

const KUBE_MODELS: Record<
  string,
  { validate(): void } & (new (value: never) => { validate(): void })
> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/DaemonSet": DaemonSet,
  "v1/Service": Service,
  "v1/Secret": Secret,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
} as never;

Deno.test("deploy/kubernetes: every object validates against the Kubernetes schema, offline", () => {
  const objects = manifestObjects();
  assert.ok(objects.length >= 7, "aggregator (4 objects), two DaemonSets and a sidecar example");
  for (const { file, object } of objects) {
    const Model = KUBE_MODELS[`${object.apiVersion}/${object.kind}`];
    assert.ok(Model, `${file}: ${object.apiVersion} ${object.kind} is not a kind this test knows`);
    assert.doesNotThrow(() => new Model(object as never).validate(), `${file}: ${object.kind}`);
  }
  // The validator does find a broken manifest.
  const [deployment] = objects.filter(({ object }) => object.kind === "Deployment");
  const broken = structuredClone(deployment.object);
  (broken.spec as Record<string, unknown>).replicas = "one";
  assert.throws(() => new Deployment(broken as never).validate(), /replicas must be integer/);
});

Deno.test("deploy/kubernetes: each program container's configuration gets exactly its permissions from the image it names", () => {
  const objects = manifestObjects().map(({ object }) => object);
  const secrets = objects.filter((object) => object.kind === "Secret");
  const builds = imageBuilds();
  let checked = 0;
  for (const object of objects) {
    for (const container of containersOf(object)) {
      const build = builds[container.image];
      if (!build) {
        assert.ok(!container.image.startsWith("mini-collector"), `${container.image}: no build`);
        continue;
      }
      const image = IMAGES.find((candidate) => candidate.dockerfile === build.dockerfile)!;
      const file = dockerfile(image);
      const built = stageVariables(file, stage(file, 0), build.args);
      const runtime = {
        ...stageVariables(file, stage(file, -1), build.args).env,
        ...containerEnv(container, secrets),
      };
      assert.deepEqual(
        programFlags(image.program, envFrom(runtime)),
        programFlags(image.program, envFrom({ ...built.args, ...built.env })),
        `${object.metadata.name}/${container.name}: image ${container.image} was built for ` +
          "other permissions than this configuration needs",
      );
      checked++;
    }
  }
  assert.equal(checked, 4, "the aggregator, two DaemonSets' collectors and the sidecar");
});

Deno.test("deploy/kubernetes: the aggregator's objects refer to one another, and the collectors dial its Service", () => {
  const objects = manifestObjects().map(({ object }) => object);
  const named = (kind: string) => objects.filter((object) => object.kind === kind);
  const [deployment] = named("Deployment").filter((object) =>
    object.metadata.name === "aggregator"
  );
  const [service] = named("Service");
  const spec = deployment.spec as {
    strategy: { type: string };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        securityContext: Record<string, unknown>;
        volumes: { persistentVolumeClaim?: { claimName: string } }[];
      };
    };
  };
  assert.equal(spec.strategy.type, "Recreate", "a ReadWriteOnce spool");
  const security = spec.template.spec.securityContext;
  assert.deepEqual(
    [security.runAsNonRoot, security.runAsUser, security.runAsGroup, security.fsGroup],
    [true, 65532, 65532, 65532],
  );
  const claims = spec.template.spec.volumes.map((volume) =>
    volume.persistentVolumeClaim?.claimName
  );
  assert.ok(claims.includes(named("PersistentVolumeClaim")[0].metadata.name), "the spool's claim");
  const selector = (service.spec as { selector: Record<string, string> }).selector;
  for (const [key, value] of Object.entries(selector)) {
    assert.equal(spec.template.metadata.labels[key], value, "the Service selects the aggregator");
  }
  const servicePorts = (service.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
  for (const object of objects) {
    for (const container of containersOf(object)) {
      assert.ok(container.resources?.requests && container.resources.limits, container.name);
      const remote = container.env?.find((v) => v.name === "MINI_COLLECTOR_REMOTE_ADDRESS")?.value;
      if (remote === undefined) continue;
      for (const address of remote.split(",")) {
        const [host, port] = address.split(":");
        assert.equal(host, service.metadata.name, `${object.metadata.name}: dials the Service`);
        assert.ok(servicePorts.includes(Number(port)), `${object.metadata.name}: a Service port`);
      }
    }
  }
});

/**
 * The tags of one container's points in per-host mode, from the labels in
 * Docker's on-disk container config, `<docker root>/containers/<id>/config.v2.json`
 * (the daemon's `Container` struct as JSON; tests/fixtures/docker/README.md
 * says where Docker defines it). Read-only, and only that file.
 *
 * Labels under `Config.Labels` named `<prefix>environment`, `<prefix>service`,
 * `<prefix>app` and `<prefix>database` give those tags; an absent or empty
 * label is no label, and the collector's own environment and service names
 * stand in for missing ones. `container` is the full id, `host_name` its first
 * 12 characters, as in container mode. The result is the tag map of
 * {@link tagHeaders}, checked against the tag rules the aggregator applies
 * (shared/tags.ts) as the request metadata they become, or the reason the container is skipped: a sentence naming the
 * file and what is wrong with it. A cgroup with no config file at all is not
 * one of Docker's containers (another engine's, or removed meanwhile): unknown.
 *
 * A file is read at most {@link MAX_CONFIG_BYTES}, so a huge one cannot
 * exhaust memory. {@link ContainerTagCache} reads a container's file when the
 * container is first asked about (its cgroup appeared), then looks at it again
 * at most once per {@link TAG_RECHECK_MS} and re-reads it only when its
 * modification time, size or inode changed: a `stat` per container per poll
 * was a visible share of a host-mode collector's CPU (BENCHMARKS.md). Docker fixes a
 * container's labels when it is created (`docker rename` changes only its
 * name, which is no tag) and rewrites the file on every state change, so the
 * period bounds only how late a file changed by other means is seen; a
 * container that is removed and comes back (its cgroup missing from one
 * listing) is read afresh. Reads are synchronous: the file is small, read once
 * per change, and a thread-pool round trip per container would cost more.
 *
 * @module
 */
import { join } from "node:path";
import { tagHeaders } from "../tags.ts";
import { checkContainerTags } from "./checked_tags.ts";
import type { TagLookup } from "./runtime.ts";

export interface ContainerTagOptions {
  /** Docker's data root (`MINI_COLLECTOR_DOCKER_ROOT`), e.g. `/var/lib/docker`. */
  dockerRoot: string;
  /** Prefix of the labels read (`MINI_COLLECTOR_LABEL_PREFIX`), e.g. `mini-collector.`. */
  labelPrefix: string;
  /** For containers without an environment label (`MINI_COLLECTOR_ENVIRONMENT_NAME`). */
  defaultEnvironment?: string;
  /** For containers without a service label (`MINI_COLLECTOR_SERVICE_NAME`). */
  defaultService?: string;
}

/** The most of a config file that is read: 1 MiB. Docker's are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const CONTAINER_ID = /^[0-9a-f]{64}$/;
const LABELLED_TAGS = ["environment", "service", "app", "database"] as const;
type LabelledTag = typeof LABELLED_TAGS[number];
const DEFAULT_VARIABLES = {
  environment: "MINI_COLLECTOR_ENVIRONMENT_NAME",
  service: "MINI_COLLECTOR_SERVICE_NAME",
} as const;
const READ_CHUNK_BYTES = 64 * 1024;

/** Where Docker keeps the config of container `containerId`. */
export function containerConfigPath(dockerRoot: string, containerId: string): string {
  return join(dockerRoot, "containers", containerId, "config.v2.json");
}

/** Reads the container's config once and derives its tags. */
export function readContainerTags(options: ContainerTagOptions, containerId: string): TagLookup {
  const file = configFile(options.dockerRoot, containerId);
  return "path" in file ? tagsOfFile(options, containerId, file.path, file.info) : file;
}

/** How long a container's cached tags are used before its config file is looked at again. */
export const TAG_RECHECK_MS = 10_000;

export interface ContainerTagCacheOptions {
  /** How long a lookup is reused before the file is looked at again; 0 looks every time. */
  recheckMs?: number;
  /** The monotonic clock, ms (performance.now() by default). */
  now?: () => number;
}

/** What the cache holds for one container. */
interface CachedTags {
  /** The file's modification time, size and inode when it was read, or why there was none. */
  stamp: string;
  lookup: TagLookup;
  /** When the file was last looked at (monotonic ms). */
  checkedAtMs: number;
}

/**
 * Tags per container id: read when a container is first asked about, looked at
 * again at most once per `recheckMs`, re-read only when the file changed.
 */
export class ContainerTagCache {
  #entries = new Map<string, CachedTags>();
  #recheckMs: number;
  #now: () => number;

  constructor(
    private readonly options: ContainerTagOptions,
    cacheOptions: ContainerTagCacheOptions = {},
  ) {
    this.#recheckMs = cacheOptions.recheckMs ?? TAG_RECHECK_MS;
    this.#now = cacheOptions.now ?? (() => performance.now());
  }

  /**
   * The container's tags. The same lookup object comes back until the file
   * changes, so a caller can log a skip once, when its reason first appears.
   */
  lookup(containerId: string): TagLookup {
    const atMs = this.#now();
    const cached = this.#entries.get(containerId);
    if (cached !== undefined && atMs - cached.checkedAtMs < this.#recheckMs) return cached.lookup;
    const file = configFile(this.options.dockerRoot, containerId);
    const stamp = "path" in file
      ? `${file.info.mtime?.getTime()}:${file.info.size}:${file.info.ino}`
      : JSON.stringify(file);
    if (cached?.stamp === stamp) {
      cached.checkedAtMs = atMs;
      return cached.lookup;
    }
    const lookup = "path" in file
      ? tagsOfFile(this.options, containerId, file.path, file.info)
      : file;
    this.#entries.set(containerId, { stamp, lookup, checkedAtMs: atMs });
    return lookup;
  }

  /** Drops the entries of containers not in `containerIds` (those that disappeared). */
  retain(containerIds: Iterable<string>): void {
    const kept = new Set(containerIds);
    for (const id of this.#entries.keys()) if (!kept.has(id)) this.#entries.delete(id);
  }

  /** How many containers are cached. */
  get size(): number {
    return this.#entries.size;
  }
}

/** The container's config file and its metadata, or why there is none to read. */
function configFile(
  dockerRoot: string,
  containerId: string,
): { path: string; info: Deno.FileInfo } | { skip: string } | { unknown: string } {
  if (!CONTAINER_ID.test(containerId)) {
    return { skip: `"${containerId}" is not a 64-character lowercase hex container id` };
  }
  const path = containerConfigPath(dockerRoot, containerId);
  try {
    const info = Deno.statSync(path);
    return info.isFile ? { path, info } : { skip: `${path}: not a regular file` };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { unknown: `no ${path}` };
    return { skip: `${path}: cannot read: ${(error as Error).message}` };
  }
}

function tagsOfFile(
  options: ContainerTagOptions,
  containerId: string,
  path: string,
  info: Deno.FileInfo,
): TagLookup {
  const skip = (problem: string) => ({ skip: `${path}: ${problem}` });
  const tooLarge = `larger than ${MAX_CONFIG_BYTES} bytes, the most read`;
  if (info.size > MAX_CONFIG_BYTES) return skip(`${info.size} bytes, ${tooLarge}`);
  let text: string;
  try {
    const bytes = readAtMost(path, MAX_CONFIG_BYTES);
    if (bytes === undefined) return skip(tooLarge);
    text = new TextDecoder().decode(bytes);
  } catch (error) {
    return skip(`cannot read: ${(error as Error).message}`);
  }
  let container: unknown;
  try {
    container = JSON.parse(text);
  } catch (error) {
    return skip(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(container)) return skip("not a JSON object");
  if (container.ID !== containerId) {
    return skip(`its "ID" is ${JSON.stringify(container.ID)}, not the directory's ${containerId}`);
  }
  if (!isObject(container.Config)) return skip(`no "Config" object`);
  const labels = container.Config.Labels ?? {};
  if (!isObject(labels)) return skip(`"Config.Labels" is not an object`);

  const values: Partial<Record<LabelledTag, string>> = {};
  const origins: Partial<Record<LabelledTag, string>> = {};
  for (const tag of LABELLED_TAGS) {
    const label = `${options.labelPrefix}${tag}`;
    const value = labels[label];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return skip(`label "${label}" is not a string`);
    }
    if (value) {
      values[tag] = value;
      origins[tag] = `label "${label}"`;
    }
  }
  for (const tag of ["environment", "service"] as const) {
    const fallback = tag === "environment" ? options.defaultEnvironment : options.defaultService;
    if (values[tag] === undefined && fallback) {
      values[tag] = fallback;
      origins[tag] = DEFAULT_VARIABLES[tag];
    }
    if (values[tag] === undefined) {
      return skip(
        `no ${tag}: no label "${options.labelPrefix}${tag}" and ${
          DEFAULT_VARIABLES[tag]
        } is not set`,
      );
    }
  }
  const checked = checkContainerTags(
    tagHeaders({
      environment: values.environment!,
      service: values.service!,
      containerId,
      hostName: containerId.slice(0, 12),
      app: values.app,
      database: values.database,
    }),
    (tag) => origins[tag as LabelledTag],
  );
  return "problem" in checked ? skip(checked.problem) : checked;
}

/** The whole file, or undefined when it holds more than `limit` bytes; reads at most one chunk past it. */
function readAtMost(path: string, limit: number): Uint8Array | undefined {
  using file = Deno.openSync(path);
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const chunk = new Uint8Array(READ_CHUNK_BYTES);
    const read = file.readSync(chunk);
    if (read === null) break;
    total += read;
    if (total > limit) return undefined;
    chunks.push(chunk.subarray(0, read));
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

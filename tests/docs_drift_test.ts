/**
 * Catches documentation that drifted from the tree: every repository path
 * named in docs/, BENCHMARKS.md and the code's own comments (tests aside) exists, and every
 * relative link in README, docs/ and BENCHMARKS.md resolves, and one to a
 * heading (`FILE.md#anchor`, `#anchor`) lands on it. (README's paths are
 * held by readme_test.ts.) The known stale names are listed below with why they stay for now;
 * one that is gone fails the test too, so the list stays true. TESTING.md
 * names exactly the Debian packages CI (`.ci/run`) installs, and
 * ARCHITECTURE the memory budget the aggregator's own V8 flags give a real
 * Deno process.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  readRepositoryFile as read,
  repositoryFiles,
  repositoryHas as exists,
  repositoryPaths,
  ROOT,
} from "./support/repository.ts";
import { programFlags } from "./support/program_flags.ts";
import { envFrom } from "../shared/config/mod.ts";
import { HEAP_SHARE } from "../shared/http2/memory_budget.ts";

/** `file: path` pairs of a stale name that stays for now, and why. */
const STALE: Record<string, string> = {};

const root = new URL(".", ROOT).pathname;

/** The documents, and the source files (tests aside) whose comments name repository paths. */
function sources(): string[] {
  const folders = ["docs", "collector", "aggregator", "shared", "bench", "demo", "tests"];
  return [
    "BENCHMARKS.md",
    ...repositoryFiles(folders, (name) => /\.md$|(?<!_test)\.ts$/.test(name)),
  ];
}

Deno.test("every repository path the docs and the code's comments name exists", () => {
  const found: string[] = [];
  const stale = new Set<string>();
  for (const file of sources()) {
    const text = Deno.readTextFileSync(join(root, file));
    for (const path of repositoryPaths(text)) {
      if (exists(path)) continue;
      const key = `${file}: ${path}`;
      if (key in STALE) stale.add(key);
      else found.push(key);
    }
  }
  assert.deepEqual(found, [], "paths that do not exist");
  assert.deepEqual(Object.keys(STALE).filter((key) => !stale.has(key)), [], "stale names now gone");
});

/** A heading's anchor as the repository host makes it. */
export function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchor(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

Deno.test("every relative link in README, docs/ and BENCHMARKS.md resolves, and one to a heading lands on it", () => {
  const documents = [
    "README.md",
    "BENCHMARKS.md",
    ...sources().filter((f) => f.startsWith("docs/")),
  ];
  const broken: string[] = [];
  let headings = 0;
  for (const file of documents) {
    const text = Deno.readTextFileSync(join(root, file));
    for (const [link, target, fragment] of text.matchAll(/\]\(([^)#\s]*)(?:#([^)\s]+))?\)/g)) {
      if (/^[a-z]+:/.test(target) || link === "]()") continue;
      const linked = target === "" ? file : join(file, "..", target);
      if (!exists(linked)) broken.push(`${file}: ${target} does not exist`);
      else if (fragment !== undefined) {
        headings++;
        if (!anchors(Deno.readTextFileSync(join(root, linked))).has(fragment)) {
          broken.push(`${file}: ${target}#${fragment} is no heading`);
        }
      }
    }
  }
  assert.ok(headings > 5);
  assert.deepEqual(broken, [], "broken links");
});

Deno.test("heading anchors are made as the repository host makes them", () => {
  assert.equal(anchor("The aggregator's own metrics"), "the-aggregators-own-metrics");
  assert.equal(
    anchor("Aggregator ingest, PublishBatch of 100 points (h2load, one connection, stdout sink)"),
    "aggregator-ingest-publishbatch-of-100-points-h2load-one-connection-stdout-sink",
  );
});

/** The packages of `.ci/run`'s `apt-get install` command (its lines joined, options and redirections left out). */
function ciPackages(script: string): string[] {
  const command = script.replace(/\\\n/g, " ").match(/apt-get install ([^\n]*)/)?.[1] ?? "";
  return command.split(/\s+/).filter((word) => /^[a-z0-9][a-z0-9.+-]*$/.test(word)).sort();
}

Deno.test("TESTING.md names exactly the Debian packages CI installs", () => {
  const installed = ciPackages(read(".ci/run"));
  assert.ok(installed.length > 10, `${installed.length} packages read from .ci/run`);
  const sentence = read("docs/TESTING.md").match(/installing the Debian packages([\s\S]*?)\)\./)
    ?.[1];
  assert.ok(sentence, "TESTING.md's sentence naming the Debian packages");
  const named = [...sentence.matchAll(/`([^`]+)`/g)].map(([, name]) => name).sort();
  assert.deepEqual(named, installed);
});

Deno.test("ARCHITECTURE states the memory budget the aggregator's V8 flags give", async () => {
  const v8 = programFlags("aggregator", envFrom({ AGGREGATOR_TEXT_CONFIGURATION: "1" }))
    .filter((flag) => flag.startsWith("--v8-flags="));
  const script = 'import v8 from "node:v8"; console.log(v8.getHeapStatistics().heap_size_limit)';
  const { success, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", ...v8, script],
    stderr: "inherit",
  }).output();
  assert.ok(success);
  const limit = Number(new TextDecoder().decode(stdout)) / 2 ** 20;
  const budget = Math.floor(limit * HEAP_SHARE);
  const stated = `${limit} MiB with the aggregator's flags, so ${budget} MiB`;
  const text = read("docs/ARCHITECTURE.md").replace(/\s+/g, " ");
  assert.ok(text.includes(stated), `docs/ARCHITECTURE.md should say "${stated}"`);
});

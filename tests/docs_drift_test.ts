/**
 * Catches documentation that drifted from the tree: every repository path
 * named in docs/, BENCHMARKS.md and the code's own comments (tests aside) exists, and every
 * link to a heading (`FILE.md#anchor`, `#anchor`) lands on one. (README's
 * links and paths are held by readme_test.ts, docs/' relative links there
 * too.) The known stale names are listed below with why they stay for now;
 * one that is gone fails the test too, so the list stays true.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  repositoryFiles,
  repositoryHas as exists,
  repositoryPaths,
  ROOT,
} from "./support/repository.ts";

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

Deno.test("every link to a heading in README, docs/ and BENCHMARKS.md lands on one", () => {
  const documents = [
    "README.md",
    "BENCHMARKS.md",
    ...sources().filter((f) => f.startsWith("docs/")),
  ];
  const broken: string[] = [];
  let checked = 0;
  for (const file of documents) {
    const text = Deno.readTextFileSync(join(root, file));
    for (const [, target, fragment] of text.matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const linked = target === "" ? file : join(file, "..", target);
      checked++;
      if (!anchors(Deno.readTextFileSync(join(root, linked))).has(fragment)) {
        broken.push(`${file}: ${target}#${fragment}`);
      }
    }
  }
  assert.ok(checked > 5);
  assert.deepEqual(broken, [], "links to headings that do not exist");
});

Deno.test("heading anchors are made as the repository host makes them", () => {
  assert.equal(anchor("The aggregator's own metrics"), "the-aggregators-own-metrics");
  assert.equal(
    anchor("Aggregator ingest, PublishBatch of 100 points (h2load, one connection, stdout sink)"),
    "aggregator-ingest-publishbatch-of-100-points-h2load-one-connection-stdout-sink",
  );
});

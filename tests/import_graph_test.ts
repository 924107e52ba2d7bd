/**
 * The product code's import graph runs one way: `collector/` and
 * `aggregator/` may import `shared/`, `shared/` imports neither program, and
 * neither program imports the other. An import that enters a folder with a
 * `mod.ts` goes through that `mod.ts`, so a folder's public surface is the one
 * its `mod.ts` declares. Tests, the bench harness and the demo are not product
 * code. Exceptions, when there are any, are listed below with a reason; a listed
 * exception that no longer occurs fails the test too, so the list stays true.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { repositoryFiles, ROOT } from "./support/repository.ts";

const PROGRAMS = ["collector", "aggregator", "shared"] as const;

/** `from → to` arrows allowed against the rules, and why. */
const EXCEPTIONS: Record<string, string> = {};

const root = new URL(".", ROOT).pathname;

function productFiles(): string[] {
  return repositoryFiles(PROGRAMS, (name) => name.endsWith(".ts") && !name.endsWith("_test.ts"));
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["'](\.[^"']+)["']/g;

/** The repository files a product file imports, as repository paths. */
function importsOf(file: string): string[] {
  const source = Deno.readTextFileSync(join(root, file));
  return [...source.matchAll(SPECIFIER)]
    .map((match) => match[1] ?? match[2])
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => normalize(join(dirname(file), specifier)));
}

const top = (path: string) => path.split("/")[0];

/** What is wrong with one arrow, or undefined. */
function problem(from: string, to: string): string | undefined {
  const [source, target] = [top(from), top(to)];
  if (source === "shared" && target !== "shared") return "shared/ imports a program";
  if (source !== target && target !== "shared") return `${source} imports ${target}`;
  // An import that enters a folder with a mod.ts ends at a mod.ts (its own or a subfolder's).
  const common = commonFolder(dirname(from), dirname(to));
  const entered = relative(common, dirname(to)).split("/").filter((part) => part !== "");
  let folder = common;
  for (const part of entered) {
    folder = folder === "." ? part : `${folder}/${part}`;
    const mod = `${folder}/mod.ts`;
    if (exists(mod)) return to.endsWith("/mod.ts") ? undefined : `bypasses ${mod}`;
  }
  return undefined;
}

function commonFolder(a: string, b: string): string {
  const [x, y] = [a.split("/"), b.split("/")];
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join("/") || ".";
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(join(root, path)).isFile;
  } catch {
    return false;
  }
}

Deno.test("product imports run downward and through each folder's mod.ts", () => {
  const found: string[] = [];
  const excepted = new Set<string>();
  for (const file of productFiles()) {
    for (const target of importsOf(file)) {
      const arrow = `${file} → ${target}`;
      const wrong = problem(file, target);
      if (wrong === undefined) continue;
      if (arrow in EXCEPTIONS) excepted.add(arrow);
      else found.push(`${arrow}: ${wrong}`);
    }
  }
  assert.deepEqual(found, [], "arrows against the rules");
  assert.deepEqual(
    Object.keys(EXCEPTIONS).filter((arrow) => !excepted.has(arrow)),
    [],
    "exceptions that no longer occur",
  );
});

Deno.test("the import rules catch an arrow against them", () => {
  assert.equal(problem("shared/tags.ts", "aggregator/stats.ts"), "shared/ imports a program");
  assert.equal(
    problem("collector/check.ts", "aggregator/server/validate.ts"),
    "collector imports aggregator",
  );
  assert.equal(
    problem("collector/host/select.ts", "collector/cgroup/detect.ts"),
    "bypasses collector/cgroup/mod.ts",
  );
  assert.equal(problem("collector/host/select.ts", "collector/cgroup/mod.ts"), undefined);
  assert.equal(problem("collector/cgroup/v1/read.ts", "collector/cgroup/files.ts"), undefined);
});

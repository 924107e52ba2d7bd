// Test support for the cgroup module: where the fixtures are, what their
// capture records say, and a cgroup root that a test can switch from one
// snapshot to the next (a symlink in a temporary directory), and exact
// comparison of raw readings.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RawCgroup } from "../../collector/cgroup/mod.ts";

export const CGROUP_FIXTURES = fileURLToPath(new URL("../fixtures/cgroup/", import.meta.url));

export interface Capture {
  containerId: string;
  relativePath: string;
  intervalMicroseconds: number;
}

export function fixturePath(...parts: string[]): string {
  return join(CGROUP_FIXTURES, ...parts);
}

export async function readCapture(fixture: string): Promise<Capture> {
  return JSON.parse(await Deno.readTextFile(fixturePath(fixture, "capture.json")));
}

/** A cgroup root that points at one snapshot directory at a time. */
export class SwitchableRoot implements AsyncDisposable {
  private constructor(private readonly directory: string) {}

  static async create(): Promise<SwitchableRoot> {
    return new SwitchableRoot(await Deno.makeTempDir({ prefix: "cgroup-root-" }));
  }

  get root(): string {
    return join(this.directory, "root");
  }

  /** Points the root at `target`; undefined removes it (the cgroup root disappears). */
  async point(target: string | undefined): Promise<void> {
    await Deno.remove(this.root).catch(() => {});
    if (target !== undefined) await Deno.symlink(target, this.root);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.directory, { recursive: true });
  }
}

/** A copy of `value` without its undefined properties, for exact comparisons. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}

/** A raw reading without undefined fields (top level and counters). */
export function comparableRaw(raw: RawCgroup): Partial<RawCgroup> {
  return { ...definedOnly(raw), counters: definedOnly(raw.counters) };
}

/** Asserts that each snapshot reads without errors into exactly the expected raw values. */
export async function assertSnapshots(
  read: (snapshot: string) => Promise<{ raw: Partial<RawCgroup>; errors: string[] }>,
  expected: Record<string, Partial<RawCgroup>>,
): Promise<void> {
  for (const [snapshot, raw] of Object.entries(expected)) {
    const { raw: actual, errors } = await read(snapshot);
    assert.deepEqual({ raw: actual, errors }, { raw, errors: [] }, snapshot);
  }
}

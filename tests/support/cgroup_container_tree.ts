/**
 * A writable cgroup tree with many containers, built from one real fixture
 * (tests/fixtures/cgroup/<name>/t0): its one captured container is copied,
 * file by file, under more ids and layouts in every hierarchy that holds it,
 * and can be removed again, as Docker creates and removes cgroups.
 */
import { join } from "node:path";
import type { HostContainer } from "../../collector/host/runtime.ts";
import { copyFixture } from "./cgroup_fixture_copy.ts";
import { fixturePath, readCapture } from "./cgroup_fixtures.ts";

/**
 * A writable copy of a fixture's t0 snapshot whose one real container is
 * copied, file by file, under more ids and layouts in every hierarchy that
 * holds it. `withoutUnified` drops the v2 hierarchy of a hybrid fixture,
 * which leaves a plain v1 root.
 */
export class ContainerTree implements AsyncDisposable {
  /** Docker's two cgroup layouts: cgroupfs and systemd drivers. */
  static readonly layouts = {
    cgroupfs: (id: string) => `docker/${id}`,
    systemd: (id: string) => `system.slice/docker-${id}.scope`,
  };

  private constructor(
    readonly root: string,
    readonly fixture: string,
    readonly original: HostContainer,
    private readonly hierarchies: string[],
  ) {}

  static async create(fixture: string, options: { withoutUnified?: boolean } = {}) {
    const capture = await readCapture(fixture);
    const root = await copyFixture(fixture, "t0");
    if (options.withoutUnified) await Deno.remove(join(root, "unified"), { recursive: true });
    const hierarchies = [".", ...[...Deno.readDirSync(root)].map((entry) => entry.name)]
      .filter((hierarchy) => isDirectory(join(root, hierarchy, capture.relativePath)));
    const original = { containerId: capture.containerId, relativePath: capture.relativePath };
    return new ContainerTree(root, fixture, original, hierarchies);
  }

  /**
   * Copies the original container's directory, as the fixture's `snapshot`
   * holds it, to `relativePath` in every hierarchy (over what is there).
   */
  async add(relativePath: string, snapshot = "t0"): Promise<void> {
    for (const hierarchy of this.hierarchies) {
      const source = fixturePath(this.fixture, snapshot, hierarchy, this.original.relativePath);
      const target = join(this.root, hierarchy, relativePath);
      await Deno.mkdir(target, { recursive: true });
      for (const file of Deno.readDirSync(source)) {
        await Deno.copyFile(join(source, file.name), join(target, file.name));
      }
    }
  }

  /** Adds each id under the given layout; returns what discovery should find for them. */
  async addAll(ids: string[], layout: (id: string) => string): Promise<HostContainer[]> {
    for (const id of ids) await this.add(layout(id));
    return ids.map((containerId) => ({ containerId, relativePath: layout(containerId) }));
  }

  async remove(relativePath: string): Promise<void> {
    for (const hierarchy of this.hierarchies) {
      await Deno.remove(join(this.root, hierarchy, relativePath), { recursive: true });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true });
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

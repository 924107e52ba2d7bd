/**
 * A temporary Docker root for host-mode collectors: `containers/<id>/config.v2.json`
 * copied from the Docker fixtures (tests/fixtures/docker/README.md), and an
 * image store the collector must not read.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DOCKER_FIXTURES = fileURLToPath(new URL("../fixtures/docker/containers/", import.meta.url));

/** The Docker fixture containers. */
export const DOCKER_CONTAINERS = {
  web: "8b66c5023cd1123a48b273564d74a6cc9cdc9166d8d5cd3a4735e1743c849ee1",
  worker: "e3f71341f2968289d0d675ba1dd67e298673e15e252ae14ec595290b036bacde",
  ordersDb: "2671fad8ec688d7760cbeb2de377364ecc61267eba5bef965bcc208614a4d2e9",
  garbage: "540effbf2c895760c12a728791ab236eb60d1262f9ad0d0abb52c9df2c7974b3",
} as const;

/** Creates the Docker root; the caller removes it. */
export async function dockerRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "mini-collector-docker-" });
  for await (const entry of Deno.readDir(DOCKER_FIXTURES)) {
    await Deno.mkdir(join(root, "containers", entry.name), { recursive: true });
    await Deno.copyFile(
      join(DOCKER_FIXTURES, entry.name, "config.v2.json"),
      join(root, "containers", entry.name, "config.v2.json"),
    );
  }
  await Deno.mkdir(join(root, "image", "overlay2"), { recursive: true });
  await Deno.writeTextFile(join(root, "image", "overlay2", "repositories.json"), "{}\n");
  return root;
}

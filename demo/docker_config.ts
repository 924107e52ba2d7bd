/**
 * A Docker data root for made-up containers: `<root>/containers/<id>/config.v2.json`
 * in Docker's own format, derived from the `web` fixture
 * (tests/fixtures/docker/README.md) with its id, name and labels replaced, and
 * written the way the daemon writes it (one line, mode 0600). Per-host mode
 * tags each container's points from these labels.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The fixture the configs are derived from: `docker run -d --name web … nginx:1.27`. */
const TEMPLATE_ID = "8b66c5023cd1123a48b273564d74a6cc9cdc9166d8d5cd3a4735e1743c849ee1";
const TEMPLATE = fileURLToPath(
  new URL(`../tests/fixtures/docker/containers/${TEMPLATE_ID}/config.v2.json`, import.meta.url),
);

export interface DockerContainer {
  /** 64 lowercase hex digits. */
  id: string;
  /** The container's name, without Docker's leading slash. */
  name: string;
  /** Labels given with `--label`, e.g. `mini-collector.service`. */
  labels: Record<string, string>;
}

/** `config.v2.json` of the container: the template's fields; its id, name and labels. */
export async function dockerConfig(container: DockerContainer): Promise<string> {
  // The full id (paths, "ID"), then the short one (the hostname).
  const text = (await Deno.readTextFile(TEMPLATE)).replaceAll(TEMPLATE_ID, container.id)
    .replaceAll(TEMPLATE_ID.slice(0, 12), container.id.slice(0, 12));
  const config = JSON.parse(text);
  const imageLabels = Object.fromEntries(
    Object.entries(config.Config.Labels as Record<string, string>)
      .filter(([name]) => !name.startsWith("mini-collector.")),
  );
  config.Name = `/${container.name}`;
  config.Config.Labels = sortedKeys({ ...imageLabels, ...container.labels });
  return JSON.stringify(config);
}

/** Writes the container's config under `dockerRoot`, as the daemon does when it creates it. */
export async function writeDockerConfig(
  dockerRoot: string,
  container: DockerContainer,
): Promise<void> {
  const directory = join(dockerRoot, "containers", container.id);
  await Deno.mkdir(directory, { recursive: true });
  await Deno.writeTextFile(
    join(directory, "config.v2.json"),
    await dockerConfig(container) + "\n",
    { mode: 0o600 },
  );
}

/** Go's encoding/json writes map keys sorted. */
function sortedKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}

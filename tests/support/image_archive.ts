/**
 * An image archive in Docker's save format (`manifest.json`, the image
 * config, one layer tar), written offline from busybox-static's root
 * filesystem (busybox_rootfs.ts), for `ctr images import`. Two images of the
 * same layer differ by their command, so each has its own image id (the CRI
 * plugin needs the pause image's to be its own).
 *
 * @module
 */
import { join } from "node:path";
import { busyboxRootfsTar } from "./busybox_rootfs.ts";
import { sh } from "./live_cgroup.ts";

/** Writes `<directory>/<name>.tar`: the busybox layer as image `reference` running `command`. */
export async function busyboxImageArchive(
  directory: string,
  name: string,
  reference: string,
  command: string[],
): Promise<string> {
  const work = join(directory, `${name}-image`);
  await Deno.mkdir(work, { recursive: true });
  const layer = await busyboxRootfsTar(work);
  const diffId = `sha256:${await sha256(await Deno.readFile(layer))}`;
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Cmd: command, Env: ["PATH=/bin"] },
    rootfs: { type: "layers", diff_ids: [diffId] },
  });
  const configName = `${await sha256(new TextEncoder().encode(config))}.json`;
  const archive = join(work, "archive");
  await Deno.mkdir(archive);
  await Deno.rename(layer, join(archive, "layer.tar"));
  await Deno.writeTextFile(join(archive, configName), config);
  await Deno.writeTextFile(
    join(archive, "manifest.json"),
    JSON.stringify([{ Config: configName, RepoTags: [reference], Layers: ["layer.tar"] }]),
  );
  const tar = join(directory, `${name}.tar`);
  await sh(`tar -C "$1" -cf "$2" .`, archive, tar);
  await Deno.remove(work, { recursive: true });
  return tar;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A container image's root filesystem built offline from Debian's
 * `busybox-static`: `/bin/busybox` and a symlink per applet the engine tests
 * use, as a tar archive an engine can import (`docker import`).
 *
 * @module
 */
import { join } from "node:path";
import { sh } from "./live_cgroup.ts";

export const BUSYBOX = "/bin/busybox";

const APPLETS = ["sh", "sleep", "head", "tail", "cat", "dd", "true", "echo"];

/** Whether the static busybox is installed. */
export async function hasBusybox(): Promise<boolean> {
  try {
    return (await Deno.stat(BUSYBOX)).isFile;
  } catch {
    return false;
  }
}

/** Writes `<directory>/rootfs.tar` and returns its path. */
export async function busyboxRootfsTar(directory: string): Promise<string> {
  const rootfs = join(directory, "rootfs");
  for (const dir of ["bin", "dev/shm", "proc", "sys", "tmp", "etc"]) {
    await Deno.mkdir(join(rootfs, dir), { recursive: true });
  }
  await Deno.copyFile(BUSYBOX, join(rootfs, "bin/busybox"));
  await Deno.chmod(join(rootfs, "bin/busybox"), 0o755);
  for (const applet of APPLETS) await Deno.symlink("busybox", join(rootfs, "bin", applet));
  const tar = join(directory, "rootfs.tar");
  await sh(`tar -C "$1" -cf "$2" .`, rootfs, tar);
  return tar;
}

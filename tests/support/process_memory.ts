/**
 * A process's resident memory from /proc/<pid>/status, read with `cat`
 * (tests have no permission to read /proc themselves): current (VmRSS) and
 * peak (VmHWM), MiB.
 */

export interface ProcessMemory {
  rssMib: number;
  peakMib: number;
}

export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  const { success, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return undefined;
  const text = new TextDecoder().decode(stdout);
  const kib = (field: string) =>
    Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rssMib: kib("VmRSS") / 1024, peakMib: kib("VmHWM") / 1024 };
}

/**
 * A container engine's daemon started by a test (dockerd, containerd): its
 * stderr kept (the last 20,000 characters) for failure messages, stopped by
 * its own pid (SIGTERM, then SIGKILL after 20 s), and its temporary directory
 * removed with whatever it left mounted below it.
 *
 * @module
 */
import { withDeadline } from "./deadline.ts";
import { sh } from "./live_cgroup.ts";

const LOG_CHARACTERS = 20_000;

export class DaemonProcess {
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<void>;
  #log = "";

  constructor(readonly program: string, args: string[]) {
    this.#child = new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#drained = this.#child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write: (text) => void (this.#log = (this.#log + text).slice(-LOG_CHARACTERS)),
      }),
    );
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** The end of its log, for an error message. */
  get log(): string {
    return this.#log.slice(-3000);
  }

  /** SIGTERM, then SIGKILL when it has not exited within 20 s. */
  async stop(): Promise<void> {
    this.#child.kill("SIGTERM");
    try {
      await withDeadline(this.#child.status, 20_000, `${this.program} (pid ${this.pid}) exiting`);
    } catch {
      this.#child.kill("SIGKILL");
      await this.#child.status;
    }
    await this.#drained.catch(() => {});
  }
}

/** Unmounts what is mounted below `directory` (deepest first), then deletes it. */
export async function removeDaemonDirectory(directory: string): Promise<void> {
  await sh(
    `findmnt -rn -o TARGET | grep "^$1/" | sort -r | while read -r m; do umount -l "$m"; done; true`,
    directory,
  );
  await Deno.remove(directory, { recursive: true });
}

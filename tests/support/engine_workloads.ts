/**
 * The workloads the Docker Engine and containerd tests run in busybox
 * containers.
 *
 * @module
 */

/** Spins: all the CPU its quota allows. */
export const SPIN_SCRIPT = "while :; do :; done";

/**
 * Three rounds of a pipe into `tail` that holds more than a 32 MiB limit: the
 * kernel kills `tail`, which raised its own OOM score to the maximum (raising
 * needs no privilege). When the machine is slow to free a victim's memory the
 * kernel may kill again before it is freed; two decoy sleeps per round, one
 * score below `tail`, are taken then instead of the shell, so the container
 * lives on. The kernel's count is at least three; the tests compare the
 * collector's with it.
 */
export const OOM_SCRIPT = "for i in 1 2 3; do " +
  "for d in 1 2; do (echo 999 > /proc/self/oom_score_adj; exec sleep 3600) & done; " +
  "head -c 200m /dev/zero | (echo 1000 > /proc/self/oom_score_adj; exec tail); sleep 1; " +
  "done; exec sleep 3600";

/**
 * The workloads the Docker Engine and containerd tests run in busybox
 * containers.
 *
 * @module
 */

/** Spins: all the CPU its quota allows. */
export const SPIN_SCRIPT = "while :; do :; done";

/**
 * Three times, a pipe into `tail` that holds more than a 32 MiB limit: the
 * kernel kills `tail`, the shell lives on and sleeps. `tail` raises its own
 * OOM score to the maximum (no privilege needed to raise it), so the killer
 * never takes the shell instead, even when the machine is slow to free the
 * last victim's memory; the pause between rounds lets it.
 */
export const OOM_SCRIPT = "for i in 1 2 3; do head -c 200m /dev/zero | " +
  "(echo 1000 > /proc/self/oom_score_adj; exec tail); sleep 1; done; exec sleep 3600";

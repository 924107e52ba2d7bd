/**
 * What tests/support/permission_probe.ts answers when run under a collector's
 * own flags (either mode): its cgroup root readable and its aggregator
 * reachable, everything else refused.
 *
 * @module
 */

/** The probe script, run as its own process under the flags being tested. */
export const PROBE = new URL("./permission_probe.ts", import.meta.url).pathname;

export const COLLECTOR_PROBE_ANSWERS = {
  readAllowed: "ok",
  connectAllowed: "ok",
  readForbidden: "NotCapable",
  connectForbidden: "NotCapable",
  connectOtherHost: "NotCapable",
  writeAllowedDir: "NotCapable",
  writeOutside: "NotCapable",
  listen: "NotCapable",
  spawn: "NotCapable",
  envOutsidePrefix: "NotCapable",
} as const;

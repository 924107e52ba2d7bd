/**
 * Keeps secrets off the status page. The only free text it shows is a sink's
 * last error, which can quote a destination's answer (a body that echoes a
 * request header, say): every configured secret — API key, passwords, tokens,
 * the PagerDuty integration key — is replaced by `***` in it, and so are the
 * credentials of any URL written in it.
 *
 * @module
 */
import type { AggregatorConfig } from "../config/mod.ts";

export const MASK = "***";
/** The longest error text shown. */
export const MAX_ERROR_CHARS = 500;

/** Every secret value of the configuration (each sink declares its own, basic credentials as sent). */
export function configSecrets(config: AggregatorConfig): string[] {
  return [
    ...config.sinks.flatMap((sink) => sink.secrets),
    config.notify?.integrationKey,
  ].filter((secret): secret is string => secret !== undefined && secret !== "");
}

/** `text` without any of `secrets` nor URL credentials, cut to {@link MAX_ERROR_CHARS}. */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) clean = clean.replaceAll(secret, MASK);
  clean = clean.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, `$1${MASK}@`);
  return clean.length > MAX_ERROR_CHARS ? `${clean.slice(0, MAX_ERROR_CHARS)}…` : clean;
}

/**
 * Mutual-TLS material from PEM text held in environment variables
 * (`<PREFIX>_TLS_CERTIFICATE`, `_KEY`, `_CA_CERTIFICATE`), as the original
 * took it. Each value is parsed at startup so a truncated or swapped PEM block
 * fails with the variable's name instead of a handshake error later.
 *
 * @module
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { ConfigError, type Env, requiredString } from "./config/mod.ts";

export interface TlsMaterial {
  certificate: string;
  key: string;
  caCertificate: string;
}

const PEM_EXAMPLE = "'-----BEGIN CERTIFICATE-----\\n…\\n-----END CERTIFICATE-----'";
const KEY_EXAMPLE = "'-----BEGIN PRIVATE KEY-----\\n…\\n-----END PRIVATE KEY-----'";

export function tlsMaterial(env: Env, prefix: string): TlsMaterial {
  const certificate = certificatePem(env, `${prefix}_TLS_CERTIFICATE`);
  const caCertificate = certificatePem(env, `${prefix}_TLS_CA_CERTIFICATE`);
  const keyName = `${prefix}_TLS_KEY`;
  const key = requiredString(env, keyName, KEY_EXAMPLE);
  try {
    createPrivateKey(key);
  } catch (error) {
    throw new ConfigError(keyName, `is not a PEM private key (${firstLine(error)})`, KEY_EXAMPLE);
  }
  return { certificate, key, caCertificate };
}

function certificatePem(env: Env, name: string): string {
  const pem = requiredString(env, name, PEM_EXAMPLE);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) throw new ConfigError(name, "holds no PEM certificate block", PEM_EXAMPLE);
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new ConfigError(
        name,
        `certificate ${index + 1} of ${blocks.length} is malformed (${firstLine(error)})`,
        PEM_EXAMPLE,
      );
    }
  }
  return pem;
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n")[0];
}

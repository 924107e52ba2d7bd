/**
 * `aggregator/main.ts --healthcheck`, for container HEALTHCHECKs: asks the
 * aggregator's own listener for `GET /healthz` over 127.0.0.1 (when it listens
 * on every interface) and tells whether it answered 200. With TLS it asks the
 * cleartext Connect listener when one is configured; otherwise it presents
 * the aggregator's own certificate, which must then allow client
 * authentication (no extendedKeyUsage, or one including clientAuth). It asks
 * over the project's own HTTP/2 client (shared/http2/client/), without checking
 * the name in the certificate: it reaches its own process by address.
 *
 * @module
 */
import type { Address } from "../shared/config/mod.ts";
import type { AggregatorConfig } from "./config/mod.ts";
import { Http2Client } from "../shared/http2/client/mod.ts";
import { HEALTHZ_PATH, socketHost } from "./server/mod.ts";

export async function healthcheck(config: AggregatorConfig, timeoutMs = 5000): Promise<string> {
  if (config.tls && config.connectListenAddress) {
    const url = `http://${ownHostPort(config.connectListenAddress)}${HEALTHZ_PATH}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    return `${url}: serving`;
  }
  const address = config.listenAddress;
  const client = new Http2Client({
    host: ownHost(address),
    port: address.port,
    tls: config.tls,
    anyHostname: true,
  });
  const url = `${client.baseUrl}${HEALTHZ_PATH}`;
  try {
    const response = await client.fetch({
      url,
      method: "GET",
      header: new Headers(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    return `${url}: serving`;
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      throw new Error(`no answer within ${timeoutMs} ms`);
    }
    throw error;
  } finally {
    client.close();
  }
}

/** The host a local probe reaches a listener at: loopback for a wildcard listener. */
function ownHost(address: Address): string {
  return socketHost(address).replace(/^(0\.0\.0\.0|::)$/, "127.0.0.1");
}

/** `host:port` of a local probe, the host in brackets when IPv6. */
function ownHostPort(address: Address): string {
  const host = ownHost(address);
  return `${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

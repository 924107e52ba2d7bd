/**
 * `aggregator/main.ts --healthcheck`, for container HEALTHCHECKs: asks the
 * aggregator's own listener for `GET /healthz` over 127.0.0.1 (when it listens
 * on every interface) and tells whether it answered 200. With TLS it asks the
 * cleartext Connect listener when one is configured; otherwise it presents
 * the aggregator's own certificate, which must then allow client
 * authentication (no extendedKeyUsage, or one including clientAuth).
 *
 * @module
 */
import { connect, constants } from "node:http2";
import type { Address, AggregatorConfig } from "../shared/config/mod.ts";
import { HEALTHZ_PATH, socketHost } from "./server/mod.ts";

export async function healthcheck(config: AggregatorConfig, timeoutMs = 5000): Promise<string> {
  if (config.tls && config.connectListenAddress) {
    const url = `http://${ownHostPort(config.connectListenAddress)}${HEALTHZ_PATH}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    return `${url}: serving`;
  }
  const tls = config.tls;
  const authority = `${tls ? "https" : "http"}://${ownHostPort(config.listenAddress)}`;
  const session = connect(
    authority,
    tls
      ? {
        ca: tls.caCertificate,
        cert: tls.certificate,
        key: tls.key,
        checkServerIdentity: () => undefined,
      }
      : {},
  );
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      session.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      const stream = session.request({ [constants.HTTP2_HEADER_PATH]: HEALTHZ_PATH });
      stream.once("response", (headers) => {
        clearTimeout(timer);
        const status = headers[constants.HTTP2_HEADER_STATUS];
        if (Number(status) === 200) resolve(`${authority}${HEALTHZ_PATH}: serving`);
        else reject(new Error(`${authority}${HEALTHZ_PATH} answered ${status}`));
        stream.close();
      });
      stream.once("error", reject);
      stream.end();
    });
  } finally {
    session.close();
  }
}

/** The address a local probe reaches a listener at: loopback for a wildcard listener. */
function ownHostPort(address: Address): string {
  const host = socketHost(address).replace(/^(0\.0\.0\.0|::)$/, "127.0.0.1");
  return `${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

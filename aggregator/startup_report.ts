/**
 * The aggregator's effective configuration as startup log lines: each sink and
 * where it sends (URLs and sites; API keys, passwords, tokens and basic-auth
 * credentials only said to be set, never shown), the spool, the listeners with
 * TLS on or off, and the limits. Warnings name what is unsafe, above all a
 * cleartext listener on an address other hosts can reach (the compatibility
 * default `0.0.0.0:8000`).
 *
 * @module
 */
import type { AggregatorConfig } from "./config/mod.ts";
import type { Address } from "../shared/config/mod.ts";
import { formatDuration } from "../shared/duration.ts";

export interface StartupReport {
  /** One line per topic: sinks, notify, spool, listeners, limits. */
  lines: string[];
  warnings: string[];
}

export function startupReport(config: AggregatorConfig): StartupReport {
  const lines = [
    ...sinkLines(config),
    ...notifyLines(config),
    `spool: ${config.spoolPath}/spool.sqlite, at most ${config.spoolMaxBytes} bytes`,
    `listeners: ${listenerLines(config).join("; ")}`,
    `limits: requests up to ${config.maxRequestBytes} bytes, ` +
    `${config.limits.maxConnections} connections (${config.limits.maxConnectionsPerPeer} per peer), ` +
    `${config.limits.maxConcurrentStreams} streams per connection, ` +
    `${config.limits.maxStreamResets} resets per 10 s, handshake ${
      formatDuration(config.limits.handshakeTimeoutMs)
    }, idle ${formatDuration(config.limits.idleTimeoutMs)}, request ${
      formatDuration(config.limits.requestTimeoutMs)
    }; batches of ${config.batchSize} at least every ${
      formatDuration(config.minimumPublishFrequencyMs)
    }, shutdown within ${formatDuration(config.shutdownTimeoutMs)}, stats every ${
      formatDuration(config.statsIntervalMs)
    }`,
  ];
  return { lines, warnings: cleartextWarnings(config) };
}

/** Whether only this machine can reach a listener on `host`. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\./.test(bare);
}

function sinkLines(config: AggregatorConfig): string[] {
  return config.sinks.map(({ name, description }) => `sink ${name}: ${description}`);
}

function notifyLines(config: AggregatorConfig): string[] {
  const notify = config.notify;
  if (!notify) return ["loss alerts: off (AGGREGATOR_NOTIFY_CONFIGURATION unset)"];
  return [
    `loss alerts: PagerDuty ${notify.url.href} as ${notify.identifier}, incident ` +
    `${notify.incidentKey}, integration key set`,
  ];
}

function listenerLines(config: AggregatorConfig): string[] {
  const lines = [
    `gRPC/Connect ${hostPort(config.listenAddress)} ${
      config.tls ? "mutual TLS on" : "TLS off (cleartext)"
    }`,
  ];
  if (config.connectListenAddress) {
    lines.push(`Connect ${hostPort(config.connectListenAddress)} TLS off (cleartext)`);
  }
  if (config.metricsListenAddress) {
    lines.push(`metrics ${hostPort(config.metricsListenAddress)} TLS off (cleartext)`);
  }
  return lines;
}

function cleartextWarnings(config: AggregatorConfig): string[] {
  const open: { what: string; address: Address }[] = [];
  if (!config.tls) open.push({ what: "gRPC/Connect", address: config.listenAddress });
  if (config.connectListenAddress) {
    open.push({ what: "Connect", address: config.connectListenAddress });
  }
  return open.filter(({ address }) => !isLoopback(address.host)).map(({ what, address }) =>
    `${what} listener ${hostPort(address)} serves cleartext on ${
      address.host === "0.0.0.0" || address.host === "[::]" || address.host === ""
        ? "all interfaces"
        : "a non-loopback address"
    }: any host that reaches it can publish points, unauthenticated and unencrypted; ` +
    `set AGGREGATOR_TLS with certificates (mutual TLS) or listen on 127.0.0.1`
  );
}

function hostPort(address: Address): string {
  return `${address.host || "0.0.0.0"}:${address.port}`;
}

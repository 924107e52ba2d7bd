/**
 * The point's tags as request metadata (compat): `environment`, `service`,
 * `container` (full id), the short id as `host_name` (2023 aggregators) and
 * again as `host` (2021 aggregators), and `app` / `database` when set.
 *
 * @module
 */
import type { ContainerModeConfig } from "./config/mod.ts";

/** Request metadata: tag name to value. */
export type Tags = Record<string, string>;

type TagSource = Pick<
  ContainerModeConfig,
  "environment" | "service" | "containerId" | "hostName" | "app" | "database"
>;

export function tagHeaders(config: TagSource): Tags {
  return {
    environment: config.environment,
    service: config.service,
    container: config.containerId,
    host_name: config.hostName,
    host: config.hostName,
    ...(config.app === undefined ? {} : { app: config.app }),
    ...(config.database === undefined ? {} : { database: config.database }),
  };
}

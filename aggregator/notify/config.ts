/**
 * The loss alerts' configuration: `AGGREGATOR_NOTIFY_CONFIGURATION`, a JSON
 * object with the PagerDuty integration key, the incident key alerts are
 * grouped under, the aggregator's name in them and the Events API URL.
 *
 * @module
 */
import { type Env, jsonVariable } from "../../shared/config/mod.ts";

export interface NotifyConfig {
  integrationKey: string;
  incidentKey: string;
  identifier: string;
  url: URL;
}

const NOTIFY = "AGGREGATOR_NOTIFY_CONFIGURATION";
const EXAMPLE =
  `'{"integration_key":"<key>","incident_key":"metrics-loss","identifier":"aggregator-1"}'`;
const KEYS = ["integration_key", "incident_key", "identifier", "url"];

/** The loss alerts' configuration, undefined when its variable is unset. */
export function notifyConfig(env: Env): NotifyConfig | undefined {
  const json = jsonVariable(env, NOTIFY, KEYS, EXAMPLE);
  if (!json) return undefined;
  return {
    integrationKey: json.required("integration_key"),
    incidentKey: json.string("incident_key") ?? "mini-collector-aggregator",
    identifier: json.string("identifier") ?? "aggregator",
    url: json.url("url", json.string("url") ?? "https://events.pagerduty.com/v2/enqueue"),
  };
}

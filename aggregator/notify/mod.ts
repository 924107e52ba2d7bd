/**
 * Alerts when points are finally lost: what a sink reports, and the PagerDuty
 * reporter.
 *
 * @module
 */
export type { Loss, LossReporter } from "./loss.ts";
export { PagerDutyAlerts } from "./pagerduty.ts";
export { type NotifyConfig, notifyConfig } from "./config.ts";

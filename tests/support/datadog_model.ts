/**
 * A checker for Datadog's published v2 series intake model (`POST
 * /api/v2/series`, schemas MetricPayload, MetricSeries, MetricPoint,
 * MetricResource and the MetricIntakeType enum in Datadog's OpenAPI spec,
 * `.generator/schemas/v2/openapi.yaml` of the DataDog/datadog-api-client-*
 * repositories, mirrored by `packages/datadog-api-client-v2/models/*.ts` of
 * datadog-api-client-typescript). Encoded here: required fields, JSON types,
 * integer formats (int64 timestamps, int32 type), the enum values, and no
 * properties the model does not declare. Returns the problems found.
 */

/** MetricIntakeType: 0 unspecified, 1 count, 2 rate, 3 gauge. */
const INTAKE_TYPES = [0, 1, 2, 3];

const SERIES_FIELDS = new Set([
  "metric", // string, required
  "points", // MetricPoint[], required
  "type", // MetricIntakeType (int32)
  "tags", // string[]
  "resources", // MetricResource[]
  "interval", // int64
  "unit", // string
  "source_type_name", // string
  "metadata", // MetricMetadata { origin }
]);
const RESOURCE_FIELDS = new Set(["name", "type"]);

type Problems = string[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function metricPayloadProblems(payload: unknown): Problems {
  const problems: Problems = [];
  if (!isObject(payload) || !Array.isArray(payload.series)) {
    return ["MetricPayload: `series` (array) is required"];
  }
  payload.series.forEach((series, index) => seriesProblems(series, `series[${index}]`, problems));
  return problems;
}

function seriesProblems(series: unknown, at: string, problems: Problems): void {
  if (!isObject(series)) return void problems.push(`${at}: not an object`);
  for (const key of Object.keys(series)) {
    if (!SERIES_FIELDS.has(key)) problems.push(`${at}: undeclared property "${key}"`);
  }
  if (typeof series.metric !== "string" || series.metric === "") {
    problems.push(`${at}.metric: required non-empty string`);
  }
  if (!Array.isArray(series.points)) {
    problems.push(`${at}.points: required array`);
  } else {
    series.points.forEach((point, index) =>
      pointProblems(point, `${at}.points[${index}]`, problems)
    );
  }
  if ("type" in series && !INTAKE_TYPES.includes(series.type as number)) {
    problems.push(`${at}.type: ${JSON.stringify(series.type)} is not one of ${INTAKE_TYPES}`);
  }
  if ("tags" in series) {
    if (!Array.isArray(series.tags) || !series.tags.every((tag) => typeof tag === "string")) {
      problems.push(`${at}.tags: must be an array of strings`);
    }
  }
  if ("resources" in series) {
    if (!Array.isArray(series.resources)) {
      problems.push(`${at}.resources: must be an array`);
    } else {
      series.resources.forEach((resource, index) =>
        resourceProblems(resource, `${at}.resources[${index}]`, problems)
      );
    }
  }
  if ("interval" in series && !Number.isSafeInteger(series.interval)) {
    problems.push(`${at}.interval: must be an int64`);
  }
  for (const key of ["unit", "source_type_name"]) {
    if (key in series && typeof series[key] !== "string") problems.push(`${at}.${key}: string`);
  }
}

/** MetricPoint: `timestamp` int64 POSIX seconds, `value` double (the model makes neither required; a point needs both). */
function pointProblems(point: unknown, at: string, problems: Problems): void {
  if (!isObject(point)) return void problems.push(`${at}: not an object`);
  if (!Number.isSafeInteger(point.timestamp)) problems.push(`${at}.timestamp: must be an int64`);
  if (typeof point.value !== "number" || !Number.isFinite(point.value)) {
    problems.push(`${at}.value: must be a finite double`);
  }
}

function resourceProblems(resource: unknown, at: string, problems: Problems): void {
  if (!isObject(resource)) return void problems.push(`${at}: not an object`);
  for (const [key, value] of Object.entries(resource)) {
    if (!RESOURCE_FIELDS.has(key)) problems.push(`${at}: undeclared property "${key}"`);
    else if (typeof value !== "string") problems.push(`${at}.${key}: must be a string`);
  }
}

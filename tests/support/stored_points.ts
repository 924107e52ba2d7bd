/**
 * Reading points back from where they ended up, keyed by container and sample
 * time so duplicates (at-least-once delivery) count once: the aggregator's
 * stdout lines, VictoriaMetrics' export of the Datadog series, InfluxDB's
 * `metrics` measurement, and Datadog v1 bodies a scripted server accepted.
 */
import type { InfluxdbReceiver } from "./receivers.ts";

export interface StoredPoint {
  time: number;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

/** container → sample time → point */
export type StoredPoints = Map<string, Map<number, StoredPoint>>;

function add(points: StoredPoints, point: StoredPoint): void {
  const container = point.tags.container;
  if (!points.has(container)) points.set(container, new Map());
  const times = points.get(container)!;
  const known = times.get(point.time);
  if (known) Object.assign(known.metrics, point.metrics);
  else times.set(point.time, point);
}

/** The sample times held for one container. */
export function timesOf(points: StoredPoints, container: string): Set<number> {
  return new Set(points.get(container)?.keys() ?? []);
}

/** Distinct points held across all containers. */
export function countPoints(points: StoredPoints): number {
  return [...points.values()].reduce((sum, times) => sum + times.size, 0);
}

/** The stdout sink's JSON lines. */
export function stdoutPoints(lines: readonly string[]): StoredPoints {
  const points: StoredPoints = new Map();
  for (const line of lines) {
    const { unix_time, tags, metrics } = JSON.parse(line);
    add(points, { time: unix_time, tags, metrics: { ...metrics } });
  }
  return points;
}

/** Every `enclave.*` series in VictoriaMetrics, flushed first so recent samples show. */
export async function victoriaMetricsPoints(url: URL): Promise<StoredPoints> {
  const signal = AbortSignal.timeout(30_000);
  await (await fetch(new URL("/internal/force_flush", url), { signal })).body?.cancel();
  const exported = new URL("/api/v1/export", url);
  exported.searchParams.set("match[]", '{__name__=~"enclave\\\\..+"}');
  const response = await fetch(exported, { signal });
  const text = await response.text();
  if (!response.ok) throw new Error(`VictoriaMetrics export: HTTP ${response.status} ${text}`);
  const points: StoredPoints = new Map();
  for (const line of text.split("\n").filter((line) => line)) {
    const { metric: { __name__: name, ...tags }, timestamps, values } = JSON.parse(line);
    const field = name.replace(/^enclave\./, "");
    timestamps.forEach((ms: number, index: number) =>
      add(points, { time: ms / 1000, tags, metrics: { [field]: values[index] } })
    );
  }
  return points;
}

/** Every row of InfluxDB's `metrics` measurement in `database`; `running` comes back 1/0. */
export async function influxdbPoints(
  receiver: InfluxdbReceiver,
  database: string,
): Promise<StoredPoints> {
  const answer = await receiver.query("SELECT * FROM metrics", database) as {
    results: { series?: { columns: string[]; values: unknown[][] }[] }[];
  };
  const points: StoredPoints = new Map();
  const tagNames = new Set(["environment", "service", "container", "host_name", "app", "database"]);
  for (const { columns, values } of answer.results[0].series ?? []) {
    for (const row of values) {
      const point: StoredPoint = { time: 0, tags: {}, metrics: {} };
      columns.forEach((column, index) => {
        const value = row[index];
        if (column === "time") point.time = value as number;
        else if (value === null) return;
        else if (tagNames.has(column)) point.tags[column] = value as string;
        else point.metrics[column] = typeof value === "boolean" ? Number(value) : value as number;
      });
      add(points, point);
    }
  }
  return points;
}

/** Points in Datadog v1 series bodies (`{"series":[{metric, points:[[ts, v]], tags}]}`). */
export function datadogV1Points(bodies: string[]): StoredPoints {
  const points: StoredPoints = new Map();
  for (const body of bodies) {
    for (const series of JSON.parse(body).series) {
      const tags = Object.fromEntries(
        (series.tags as string[]).map((
          tag,
        ) => [tag.slice(0, tag.indexOf(":")), tag.slice(tag.indexOf(":") + 1)]),
      );
      const field = (series.metric as string).replace(/^enclave\./, "");
      for (const [time, value] of series.points as [number, number][]) {
        add(points, { time, tags, metrics: { [field]: value } });
      }
    }
  }
  return points;
}

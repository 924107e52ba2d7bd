/**
 * Prometheus remote-write 1.0 bodies for a batch of points: a protobuf
 * `WriteRequest` (`proto/prometheus/`), snappy block compressed.
 *
 * Every written metric (values ≥ 0, see `../written_metrics.ts`) becomes the
 * gauge `enclave_<field>`: the field name unchanged, so each series carries
 * the same number under the same name as Datadog's `enclave.<field>` and
 * InfluxDB's field. No Prometheus unit suffix is added or converted
 * (`memory_rss_mb` stays megabytes rather than `_bytes`; `milli_cpu_usage`
 * stays milli-CPUs): the unit is already in each field name, and a converted
 * value would differ from what the other destinations store. Counters the
 * collector sends as running totals (`cpu_throttled_periods`,
 * `memory_oom_kills`) keep their names too, without `_total`.
 *
 * A series' labels are `__name__`, the point's non-empty tags and the
 * configured static labels, sorted by name (`__name__` sorts first: the
 * configuration only admits names starting with a lowercase letter or an
 * underscore). A series' samples are sorted by time, in milliseconds.
 *
 * @module
 */
// @ts-types="@types/snappyjs"
import { compress } from "snappyjs";
import { create, toBinary } from "@bufbuild/protobuf";
import { WriteRequestSchema } from "../../../shared/gen/prometheus/remote_pb.ts";
import type { Label, Sample, TimeSeries } from "../../../shared/gen/prometheus/types_pb.ts";
import {
  LabelSchema,
  SampleSchema,
  TimeSeriesSchema,
} from "../../../shared/gen/prometheus/types_pb.ts";
import type { Point } from "../../stored_point.ts";
import type { Payload } from "../http/payload.ts";
import { writtenMetrics } from "../written_metrics.ts";

const METRIC_PREFIX = "enclave_";

/** The batch's series, in order of first appearance, each with its samples sorted by time. */
export function timeSeries(
  points: readonly Point[],
  staticLabels: Readonly<Record<string, string>>,
): TimeSeries[] {
  const series = new Map<string, TimeSeries>();
  for (const point of points) {
    const common: [string, string][] = [
      ...Object.entries(point.tags).filter(([, value]) => value),
      ...Object.entries(staticLabels),
    ];
    const timestamp = BigInt(point.time) * 1000n;
    for (const [field, value] of writtenMetrics(point)) {
      const name: [string, string] = ["__name__", METRIC_PREFIX + field];
      const labels = [name, ...common].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
      const id = labels.flat().join("\n");
      let entry = series.get(id);
      if (!entry) {
        entry = create(TimeSeriesSchema, { labels: labels.map(label) });
        series.set(id, entry);
      }
      entry.samples.push(create(SampleSchema, { value, timestamp }));
    }
  }
  const sorted = [...series.values()];
  for (const entry of sorted) entry.samples.sort(byTime);
  return sorted;
}

/** The snappy-compressed `WriteRequest`; its values are the samples it carries. */
export function encodeWriteRequest(
  points: readonly Point[],
  staticLabels: Readonly<Record<string, string>>,
): Payload {
  const timeseries = timeSeries(points, staticLabels);
  const raw = toBinary(WriteRequestSchema, create(WriteRequestSchema, { timeseries }));
  return {
    body: compress(raw) as Uint8Array<ArrayBuffer>,
    rawBytes: raw.byteLength,
    values: timeseries.reduce((sum, entry) => sum + entry.samples.length, 0),
  };
}

function label([name, value]: [string, string]): Label {
  return create(LabelSchema, { name, value });
}

function byTime(a: Sample, b: Sample): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0;
}

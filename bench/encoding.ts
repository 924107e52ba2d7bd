/**
 * Section 3: delivery encoding. A 1000-point batch (50 containers, every
 * metric set, varied values: tests/support/points.ts) encoded by the sinks'
 * own encoders, called directly: Datadog v2 (JSON, gzip), Datadog v1 (JSON,
 * zlib deflate), InfluxDB line protocol (gzip) and Prometheus remote write
 * (protobuf, snappy). Bytes on the wire per
 * point are the compressed body's; time is per point, median of the runs.
 */
import { METRIC_FIELDS, type Point } from "../aggregator/stored_point.ts";
import { encodeV1, encodeV2 } from "../aggregator/sinks/datadog/encode.ts";
import { encodeLines } from "../aggregator/sinks/influxdb/encode.ts";
import { encodeWriteRequest } from "../aggregator/sinks/prometheus/encode.ts";
import type { Payload } from "../aggregator/sinks/http/payload.ts";
import { containerPoints } from "../tests/support/points.ts";
import { round, summarize, type Summary } from "./stats.ts";

const BATCH = 1000;
const WARMUP_RUNS = 5;

export interface EncodingFormat {
  wireBytesPerPoint: number;
  rawBytesPerPoint: number;
  encodeUsPerPoint: Summary;
}

export interface EncodingResult {
  batch: string;
  datadogV2Gzip: EncodingFormat;
  datadogV1Deflate: EncodingFormat;
  influxdbLineProtocolGzip: EncodingFormat;
  prometheusRemoteWriteSnappy: EncodingFormat;
}

export function measureEncoding(runs: number): EncodingResult {
  const points = containerPoints(BATCH, Math.floor(Date.now() / 1000) - 3000);
  return {
    batch: `${BATCH} points from 50 containers, all ${METRIC_FIELDS.length} metrics each, ` +
      "Datadog host from host_name; one point = one sample of one container",
    datadogV2Gzip: measureFormat(points, runs, (batch) => encodeV2(batch, true)),
    datadogV1Deflate: measureFormat(points, runs, (batch) => encodeV1(batch, true)),
    influxdbLineProtocolGzip: measureFormat(points, runs, encodeLines),
    prometheusRemoteWriteSnappy: measureFormat(
      points,
      runs,
      (batch) => encodeWriteRequest(batch, {}),
    ),
  };
}

function measureFormat(
  points: Point[],
  runs: number,
  encode: (points: readonly Point[]) => Payload,
): EncodingFormat {
  for (let run = 0; run < WARMUP_RUNS; run++) encode(points);
  const times: number[] = [];
  let payload: Payload | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    payload = encode(points);
    times.push((performance.now() - started) * 1000 / points.length);
  }
  return {
    wireBytesPerPoint: round(payload!.body.byteLength / points.length, 1),
    rawBytesPerPoint: round(payload!.rawBytes / points.length, 1),
    encodeUsPerPoint: summarize(times, 2),
  };
}

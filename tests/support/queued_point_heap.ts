/**
 * Run with the collector's V8 flags and `--expose-gc`: fills a PointQueue
 * with points the real samplers make from a fixture cgroup (every field set),
 * and prints the heap each queued point holds, in bytes, as JSON
 * (tests/collector_heap_test.ts compares it with the heap sizing's figure).
 *
 * Arguments: the fixture cgroup directory, the cgroup's relative path, the
 * number of points.
 */
import { getHeapStatistics } from "node:v8";
import { CgroupSampler } from "../../collector/cgroup/sampler.ts";
import { PointSampler } from "../../collector/point_sampler.ts";
import { PointQueue } from "../../collector/queue.ts";

const [root, relativePath, countText] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const count = Number(countText);
const sampler = new PointSampler(
  new CgroupSampler({ root, relativePaths: [relativePath] }),
  undefined,
);
const queue = new PointQueue(count);
const tags = { container: relativePath, host: "host" };
let monotonicMs = 0;
const sample = () => sampler.sample({ monotonicMs: monotonicMs += 1000, wallMs: Date.now() });
await sample();
gc();
gc();
const before = getHeapStatistics().used_heap_size;
for (let i = 0; i < count; i++) queue.push({ tags, point: await sample() });
gc();
gc();
const after = getHeapStatistics().used_heap_size;
console.log(JSON.stringify({
  bytesPerPoint: (after - before) / count,
  fields: Object.keys(queue.entries[0].point).length - 1,
}));

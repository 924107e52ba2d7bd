import assert from "node:assert/strict";
import { join } from "node:path";
import {
  assertSnapshots,
  comparableRaw,
  definedOnly,
  fixturePath,
  readCapture,
} from "../../../tests/support/cgroup_fixtures.ts";
import type { RawCgroup } from "../raw.ts";
import { locateV1, type V1Paths } from "./locate.ts";
import { readV1 } from "./read.ts";
import { openPerRead } from "../files.ts";

async function read(root: string, relativePath: string, adjust?: (paths: V1Paths) => V1Paths) {
  const paths = await locateV1(root, { relativePaths: [relativePath] });
  assert.ok(paths, `${root} holds ${relativePath}`);
  const errors: string[] = [];
  const raw = await readV1(adjust ? adjust(paths) : paths, errors);
  return { raw: comparableRaw(raw), errors };
}

const LIVE_LIMITS = {
  memoryLimitBytes: 268435456n, // the capture script's 256 MiB
  memoryOomKills: 0n,
  pidsLimit: 64n,
  cpuLimit: { quotaUs: 50000n, periodUs: 100000n }, // 0.5 CPU
};

/** The live cgroupfs capture (`v1-cgroupfs`), both snapshots, as its files say. */
const LIVE_CGROUPFS: Record<"t0" | "t1", Partial<RawCgroup>> = {
  t0: {
    counters: {
      cpuUsageNs: 1076344379n, // cpuacct.usage
      readBytes: 0n, // blkio.throttle.io_service_bytes_recursive: no I/O yet
      writeBytes: 0n,
      readOperations: 0n,
      writeOperations: 0n,
      throttledPeriods: 20n, // cpu.stat nr_throttled
      throttledNs: 1229222608n, // cpu.stat throttled_time
    },
    memoryUsageBytes: 36433920n,
    memoryRssBytes: 36089856n, // total_rss 36089856 + total_mapped_file 0
    memoryCacheBytes: 0n,
    memoryInactiveFileBytes: 0n,
    pidsCurrent: 4n,
    ...LIVE_LIMITS,
  },
  t1: {
    counters: {
      cpuUsageNs: 2212834486n,
      readBytes: 25165824n, // 254:0 Read 25165824 + 253:0 Read 0
      writeBytes: 25194496n,
      readOperations: 24n,
      writeOperations: 25n,
      throttledPeriods: 42n,
      throttledNs: 2289639095n,
    },
    memoryUsageBytes: 55508992n,
    memoryRssBytes: 50597888n, // total_rss 50597888 + total_mapped_file 0
    memoryCacheBytes: 0n,
    memoryInactiveFileBytes: 0n,
    pidsCurrent: 1n,
    ...LIVE_LIMITS,
  },
};

Deno.test("readV1 reads every field of the live cgroupfs capture, both snapshots", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs");
  await assertSnapshots(
    (snapshot) => read(fixturePath("v1-cgroupfs", snapshot), relativePath),
    LIVE_CGROUPFS,
  );
});

Deno.test("readV1 without the pids hierarchy: pids absent, every other field read", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs-no-pids");
  const withoutPids = ({ pidsCurrent: _, pidsLimit: __, ...raw }: Partial<RawCgroup>) => raw;
  await assertSnapshots(
    (snapshot) => read(fixturePath("v1-cgroupfs-no-pids", snapshot), relativePath),
    { t0: withoutPids(LIVE_CGROUPFS.t0), t1: withoutPids(LIVE_CGROUPFS.t1) },
  );
});

Deno.test("readV1 reads the v1 controllers of the live hybrid capture (systemd layout)", async () => {
  const { relativePath } = await readCapture("hybrid-systemd");
  await assertSnapshots((snapshot) => read(fixturePath("hybrid-systemd", snapshot), relativePath), {
    t1: {
      counters: {
        cpuUsageNs: 2197944420n,
        readBytes: 37748736n,
        writeBytes: 37793792n,
        readOperations: 36n,
        writeOperations: 38n,
        throttledPeriods: 43n,
        throttledNs: 2303864576n,
      },
      memoryUsageBytes: 55152640n,
      memoryRssBytes: 50491392n, // total_rss 50491392 + total_mapped_file 0
      memoryCacheBytes: 4198400n, // total_cache
      memoryInactiveFileBytes: 4194304n, // total_inactive_file
      pidsCurrent: 1n,
      ...LIVE_LIMITS,
    },
  });
});

Deno.test("readV1 without the cpu controller leaves limit and throttling absent", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs");
  const { raw } = await read(
    fixturePath("v1-cgroupfs", "t1"),
    relativePath,
    ({ cpu: _, ...paths }) => paths,
  );
  assert.equal("cpuLimit" in raw, false);
  assert.equal("throttledPeriods" in raw.counters!, false);
  assert.equal("throttledNs" in raw.counters!, false);
  assert.equal(raw.counters!.cpuUsageNs, 2212834486n);
});

Deno.test("readV1: blkio source selection and fallback", async (t) => {
  const { relativePath } = await readCapture("v1-cgroupfs");
  const root = fixturePath("v1-cgroupfs", "t1");
  const blkio = await Deno.makeTempDir();
  const live = (await locateV1(root, { relativePaths: [relativePath] }))!.blkio;
  const throttleFiles = [
    "blkio.throttle.io_service_bytes_recursive",
    "blkio.throttle.io_serviced_recursive",
    "blkio.throttle.io_service_bytes",
    "blkio.throttle.io_serviced",
  ];
  const withBlkio = async (files: Record<string, string>) => {
    await Deno.remove(blkio, { recursive: true });
    await Deno.mkdir(blkio);
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(blkio, name), text);
    }
    return (await read(root, relativePath, (paths) => ({ ...paths, blkio }))).raw.counters!;
  };
  const liveThrottle = Object.fromEntries(
    await Promise.all(
      throttleFiles.map(async (name) => [name, await Deno.readTextFile(join(live, name))]),
    ),
  );
  const io = (
    readBytes: bigint,
    writeBytes: bigint,
    readOperations: bigint,
    writeOperations: bigint,
  ) => ({
    readBytes,
    writeBytes,
    readOperations,
    writeOperations,
  });
  // 254:0 Read 25165824 / Write 25194496 bytes, Read 24 / Write 25 operations (253:0 all 0)
  const LIVE_IO = io(25165824n, 25194496n, 24n, 25n);
  const cases: [string, Record<string, string>, Partial<ReturnType<typeof io>>][] = [
    ["CFQ tables holding only Total 0 fall back to the throttle tables", {
      ...liveThrottle,
      "blkio.io_service_bytes_recursive": "Total 0\n",
      "blkio.io_serviced_recursive": "Total 0\n",
    }, LIVE_IO],
    ["empty CFQ tables fall back too", {
      ...liveThrottle,
      "blkio.io_service_bytes_recursive": "",
      "blkio.io_serviced_recursive": "",
    }, LIVE_IO],
    ["CFQ tables with devices win over the throttle tables", {
      ...liveThrottle,
      "blkio.io_service_bytes_recursive": "8:0 Read 100\n8:0 Write 200\n8:0 Total 300\nTotal 300\n",
      "blkio.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n",
    }, io(100n, 200n, 1n, 2n)],
    ["the non-recursive throttle tables are the last resort", {
      "blkio.throttle.io_service_bytes": liveThrottle["blkio.throttle.io_service_bytes"],
      "blkio.throttle.io_serviced": liveThrottle["blkio.throttle.io_serviced"],
    }, LIVE_IO],
    [
      "every table empty (this host without a throttle rule): zero counters, not absent",
      Object.fromEntries(throttleFiles.map((name) => [name, "Total 0\n"])),
      io(0n, 0n, 0n, 0n),
    ],
    ["no blkio table at all: absent counters", {}, {}],
  ];
  try {
    for (const [name, files, expected] of cases) {
      await t.step(name, async () => {
        const { readBytes, writeBytes, readOperations, writeOperations } = await withBlkio(files);
        assert.deepEqual(
          definedOnly({ readBytes, writeBytes, readOperations, writeOperations }),
          expected,
        );
      });
    }
  } finally {
    await Deno.remove(blkio, { recursive: true });
  }
});

Deno.test("readV1 on garbage: one error per damaged file or key, the rest intact", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs");
  const root = fixturePath("garbage-v1");
  const { raw, errors } = await read(root, relativePath);
  const at = (controller: string, name: string) => `${root}/${controller}/${relativePath}/${name}`;
  assert.deepEqual(errors, [
    `${at("cpuacct", "cpuacct.usage")}: "-5" is not an unsigned integer`,
    `${
      at("blkio", "blkio.throttle.io_service_bytes_recursive")
    }: line "254:0 Read" is not "MAJ:MIN Operation value"`,
    `${at("memory", "memory.limit_in_bytes")}: 99999999999999999999999 does not fit in 64 bits`,
    `${at("memory", "memory.stat")}: total_rss: "12abc" is not an unsigned integer`,
    `${at("memory", "memory.oom_control")}: oom_kill: "0x10" is not an unsigned integer`,
    `${at("cpu", "cpu.stat")}: line "nr_throttled" is not "key value"`,
  ]);
  assert.deepEqual<Partial<RawCgroup>>(raw, {
    // cpuacct.usage, cpu.stat: absent. The damaged recursive throttle table is reported and
    // the non-recursive one (same numbers for a leaf cgroup) is used.
    counters: {
      readBytes: 25165824n,
      writeBytes: 25194496n,
      readOperations: 24n,
      writeOperations: 25n,
    },
    memoryUsageBytes: 55508992n,
    // memoryLimitBytes, memoryRssBytes, memoryOomKills: absent
    memoryCacheBytes: 0n,
    memoryInactiveFileBytes: 0n,
    pidsCurrent: 1n,
    pidsLimit: 64n,
    cpuLimit: { quotaUs: 50000n, periodUs: 100000n },
  });
});

/** readV1 over a directory holding only `files` (every controller there), and the files it read. */
async function readBlkioOnly(files: Record<string, string>) {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    const read: string[] = [];
    const reader = {
      read(path: string) {
        const text = openPerRead.read(path);
        if (text !== undefined) read.push(path.slice(dir.length + 1));
        return text;
      },
    };
    const errors: string[] = [];
    const raw = await readV1({ cpuacct: dir, memory: dir, blkio: dir }, errors, reader);
    return { counters: raw.counters, read: read.filter((name) => name.startsWith("blkio.")) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const TABLE =
  "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Total 12288\nTotal 12288\n";
const OPERATIONS = "8:0 Read 1\n8:0 Write 2\n8:0 Sync 0\n8:0 Async 3\n8:0 Total 3\nTotal 3\n";

Deno.test("readV1 reads the plain throttle tables only where the recursive ones do not exist", async () => {
  const both = await readBlkioOnly({
    "blkio.throttle.io_service_bytes_recursive": TABLE,
    "blkio.throttle.io_serviced_recursive": OPERATIONS,
    "blkio.throttle.io_service_bytes": TABLE,
    "blkio.throttle.io_serviced": OPERATIONS,
  });
  assert.deepEqual(both.read, [
    "blkio.throttle.io_service_bytes_recursive",
    "blkio.throttle.io_serviced_recursive",
  ]);
  const counts = { readBytes: 4096n, writeBytes: 8192n, readOperations: 1n, writeOperations: 2n };
  assert.deepEqual(definedOnly(both.counters), counts);
  const plainOnly = await readBlkioOnly({
    "blkio.throttle.io_service_bytes": TABLE,
    "blkio.throttle.io_serviced": OPERATIONS,
  });
  assert.deepEqual(plainOnly.read, [
    "blkio.throttle.io_service_bytes",
    "blkio.throttle.io_serviced",
  ]);
  assert.deepEqual(definedOnly(plainOnly.counters), counts);
});

Deno.test("readV1 does not read the operations of a bytes table that lists no device: both are 0", async () => {
  const idle = await readBlkioOnly({
    "blkio.io_service_bytes_recursive": "Total 0\n",
    "blkio.throttle.io_service_bytes_recursive": "Total 0\n",
    "blkio.throttle.io_serviced_recursive": OPERATIONS,
  });
  assert.deepEqual(idle.read, [
    "blkio.io_service_bytes_recursive",
    "blkio.throttle.io_service_bytes_recursive",
  ]);
  assert.deepEqual(definedOnly(idle.counters), {
    readBytes: 0n,
    writeBytes: 0n,
    readOperations: 0n,
    writeOperations: 0n,
  });
});

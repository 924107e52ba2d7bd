/**
 * Holds every measured figure to one document: a number in a unit of
 * measurement (µs, ms, MiB, bytes, points/s, …) that BENCHMARKS.md states
 * must not appear again in README.md or docs/, which link to BENCHMARKS.md's
 * section instead, so two copies cannot drift apart. A table cell's bare
 * numbers take the unit its column's heading names. Left out, as the way
 * settings are written rather than figures: whole seconds (a 10 s timeout, a
 * 60 s window; a duration measured in seconds has a fraction), powers of two
 * in KiB, MiB and GiB (buffers, caps, heap sizes), and percentages (a 50 %
 * utilisation; a profile's shares stay in BENCHMARKS.md). The few settings
 * and other figures that share a number and unit with a bench figure by
 * coincidence are listed below with what they are; one no longer found in its
 * document fails the test too, so the list stays true.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readRepositoryFile as read, repositoryFiles } from "./support/repository.ts";

/**
 * `document: number unit` of a setting, or of another kind of figure, that one of BENCHMARKS.md's
 * figures happens to equal, and what it is.
 */
const SETTINGS: Record<string, string> = {
  "docs/ARCHITECTURE.md: 10 ms": "the accept loop's first pause after EMFILE",
  "docs/ARCHITECTURE.md: 70 MiB": "the memory budget, a quarter of the heap limit V8's flags set",
  "docs/ARCHITECTURE.md: 300 MiB": "the attack suite's bound on the aggregator's memory",
  "docs/ARCHITECTURE.md: 110 MiB":
    "what an attack of the suite did to the aggregator's memory, equal to a host-mode peak RSS",
  "docs/ARCHITECTURE.md: 50 ms":
    "the budget back-off of a cleartext connection, and a destination's answer time in an example",
  "docs/ARCHITECTURE.md: 10 KB": "the body of each stream in the attack suite's burst",
  "docs/ARCHITECTURE.md: 250 ms": "how often the attack suite makes a normal call",
  "docs/TESTING.md: 250 ms": "how often the attack suite makes a normal call",
  "docs/CAPACITY.md: 62 MiB": "Datadog's v1 series API limit on a request's decompressed size",
  "docs/TESTING.md: 300 MiB": "the attack suite's bound on the aggregator's memory",
};

const NUMBER = String.raw`\d[\d,]*(?:\.\d+)?`;
const UNIT = String
  .raw`points/s|calls/s|requests/s|samples/s|µs|ms|MiB|KiB|GiB|kB|KB|MB|GB|bytes|B|s`;
/** Numbers joined into a range or a list, then their unit: `11.5–15.2 µs`, `0.270 / 0.260 ms`. */
const MEASURE = new RegExp(
  String
    .raw`(?<![\w.,])(${NUMBER}(?:(?: ?[–→-] ?| / | and | to |, )${NUMBER})*) ?(${UNIT})(?![\w])`,
  "gu",
);
const HEADING_UNIT = /points\/s|calls\/s|requests\/s|samples\/s|µs|\bms\b|MiB|KiB|GiB|bytes/u;

function numbers(text: string): string[] {
  return (text.match(new RegExp(NUMBER, "g")) ?? []).map((n) =>
    String(Number(n.replace(/,/g, "")))
  );
}

/** Whether a number in this unit is written the way settings are: whole seconds, a power of two of KiB, MiB or GiB. */
function setting(value: string, unit: string): boolean {
  const number = Number(value);
  if (unit === "s") return Number.isInteger(number);
  return /^[KMG]iB$/.test(unit) && Number.isInteger(Math.log2(number));
}

/** Each figure a stretch of prose states, as `number unit`. */
function prose(text: string, into: Set<string>): void {
  for (const [, values, written] of text.matchAll(MEASURE)) {
    const unit = written === "kB" ? "KB" : written;
    for (const value of numbers(values)) {
      if (!setting(value, unit)) into.add(`${value} ${unit}`);
    }
  }
}

/**
 * The figures a markdown document states, in its prose (a wrapped line's end
 * read as a space, so a number and its unit on two lines are one figure) and
 * in its tables' cells.
 */
export function figures(markdown: string): Set<string> {
  const found = new Set<string>();
  const lines = markdown.split("\n");
  const cells = (line: string) => line.trim().replace(/^\||\|$/g, "").split("|");
  const isRow = (line = "") => /^\s*\|/.test(line);
  let paragraph: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!isRow(lines[i]) || !/^\s*\|[\s|:-]+\|\s*$/.test(lines[i + 1] ?? "")) {
      paragraph.push(lines[i]);
      continue;
    }
    prose(paragraph.join(" ").replace(/\s+/g, " "), found);
    paragraph = [];
    const units = cells(lines[i]).map((heading) => heading.match(HEADING_UNIT)?.[0]);
    prose(lines[i], found);
    for (i += 2; isRow(lines[i]); i++) {
      cells(lines[i]).forEach((cell, column) => {
        prose(cell, found);
        const unit = units[column];
        if (unit === undefined) return;
        for (const value of numbers(cell.replace(MEASURE, ""))) {
          if (!setting(value, unit)) found.add(`${value} ${unit}`);
        }
      });
    }
    i--;
  }
  prose(paragraph.join(" ").replace(/\s+/g, " "), found);
  return found;
}

const DOCUMENTS = ["README.md", ...repositoryFiles(["docs"], (name) => name.endsWith(".md"))];

Deno.test("no figure of BENCHMARKS.md appears again in README.md or docs/", () => {
  const measured = figures(read("BENCHMARKS.md"));
  assert.ok(measured.size > 300, `${measured.size} figures read from BENCHMARKS.md`);
  const copied: string[] = [];
  const used = new Set<string>();
  for (const document of DOCUMENTS) {
    for (const figure of figures(read(document))) {
      if (!measured.has(figure)) continue;
      const key = `${document}: ${figure}`;
      if (key in SETTINGS) used.add(key);
      else copied.push(key);
    }
  }
  assert.deepEqual(copied, [], "figures copied from BENCHMARKS.md: link to its section instead");
  assert.deepEqual(
    Object.keys(SETTINGS).filter((key) => !used.has(key)),
    [],
    "settings no longer shared with a figure",
  );
});

Deno.test("figures are read from prose, ranges and lists, and from table cells by their column's unit", () => {
  assert.deepEqual(
    [...figures(
      "at 11.5–15.2 µs, 2,721 points/s, 0.270 / 0.260 ms and 217.2 → 173.3\n  MiB; a 10 s timeout, 0.6 s, 16 KiB and 48 KiB, 22.9 %",
    )],
    [
      "11.5 µs",
      "15.2 µs",
      "2721 points/s",
      "0.27 ms",
      "0.26 ms",
      "217.2 MiB",
      "173.3 MiB",
      "0.6 s",
      "48 KiB",
    ],
  );
  const table = [
    "| listener | accepted points/s   | server CPU µs per point | note      |",
    "| -------- | ------------------- | ----------------------- | --------- |",
    "| gRPC     | 3,419 (3,390–3,419) | 282.5 (280–282.5)       | 141 MiB   |",
    "",
    "after 64 calls",
  ].join("\n");
  assert.deepEqual([...figures(table)].sort(), [
    "141 MiB",
    "280 µs",
    "282.5 µs",
    "3390 points/s",
    "3419 points/s",
  ]);
});

import assert from "node:assert/strict";
import { literal, log, sampleTime, setupLogging } from "./log.ts";

function capture(debug: boolean, json: boolean): string[] {
  const lines: string[] = [];
  setupLogging({ debug, json, write: (line) => lines.push(line) });
  return lines;
}

Deno.test("text logs hide debug unless asked, and end each record with a newline", () => {
  const lines = capture(false, false);
  log("test").debug("hidden");
  log("test").info("poll took {ms} ms", { ms: 3 });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /\[INF\] mini-collector·test: poll took 3 ms\n$/);
});

Deno.test("debug switch shows debug records", () => {
  const lines = capture(true, false);
  log("test").debug("shown");
  assert.equal(lines.length, 1);
});

Deno.test("JSON logs are one parseable object per line", () => {
  const lines = capture(false, true);
  log("collector").warn("dropped point {time}", { time: 1700000000 });
  const record = JSON.parse(lines[0]);
  assert.equal(record.level, "WARN");
  assert.equal(record.message, "dropped point 1700000000");
  assert.equal(record.properties.time, 1700000000);
});

Deno.test("secret-looking properties never reach the output", () => {
  for (const json of [false, true]) {
    const lines = capture(false, json);
    log("test").info("using {api_key} for {site}", {
      api_key: "abcdef0123456789",
      site: "datadoghq.com",
    });
    log("test").error("auth failed", { password: "hunter2", apiKey: "k-123" });
    const output = lines.join("");
    for (const secret of ["abcdef0123456789", "hunter2", "k-123"]) {
      assert.ok(!output.includes(secret), `${secret} leaked in ${output}`);
    }
    assert.ok(output.includes("datadoghq.com"));
  }
});

Deno.test("a literal message prints as written, braces and all, unquoted", () => {
  const lines = capture(false, false);
  log("test").info(literal(`stats calls={publish:3} at "x"`));
  assert.match(lines[0], /: stats calls=\{publish:3\} at "x"\n$/);
});

Deno.test("sample times print as UTC date and time, unquoted in text, a string in JSON", () => {
  const text = capture(false, false);
  log("test").warn("publishing the point of {time} failed", { time: sampleTime(1796208377) });
  assert.match(text[0], /publishing the point of 2026-12-02T10:46:17Z failed\n$/);
  const json = capture(false, true);
  log("test").warn("the point of {time}", { time: sampleTime(1796208377) });
  assert.equal(JSON.parse(json[0]).properties.time, "2026-12-02T10:46:17Z");
  assert.equal(String(sampleTime(Number.NaN)), "NaN");
});

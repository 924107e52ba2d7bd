import assert from "node:assert/strict";
import { parsePressure } from "./pressure.ts";

Deno.test("parsePressure reads some and full avg10", () => {
  assert.deepEqual(
    parsePressure(
      "some avg10=10.90 avg60=2.12 avg300=0.44 total=1555309\n" +
        "full avg10=10.75 avg60=2.09 avg300=0.44 total=1526428\n",
    ),
    { someAvg10: 10.9, fullAvg10: 10.75 },
  );
});

Deno.test("parsePressure accepts a file with only a some line (cpu.pressure before Linux 5.13)", () => {
  assert.deepEqual(parsePressure("some avg10=0.50 avg60=0.10 avg300=0.02 total=9\n"), {
    someAvg10: 0.5,
  });
});

Deno.test("parsePressure rejects garbage", () => {
  assert.throws(() => parsePressure(""), /no "some" line/);
  assert.throws(() => parsePressure("some avg10=NaN avg60=0 avg300=0 total=1\n"), /"NaN"/);
  assert.throws(() => parsePressure("some avg10=1.00\n"), /is not "some\|full avg10=… total=…"/);
  assert.throws(() => parsePressure("half avg10=1.00 total=1\n"), /is not "some\|full/);
  assert.throws(() => parsePressure("some avg10=1.00 total=-1\n"), /"-1" is not an unsigned/);
});

import assert from "node:assert/strict";
import { ReadGate } from "./read_gate.ts";

Deno.test("what bytes handed over inside deliver cause sees their gate, later work too; nothing outside", async () => {
  const gate = new ReadGate();
  const other = new ReadGate();
  assert.equal(ReadGate.current(), undefined);
  let seenAtOnce: ReadGate | undefined;
  let seenLater: Promise<ReadGate | undefined> | undefined;
  gate.deliver(() => {
    seenAtOnce = ReadGate.current();
    seenLater = Promise.resolve().then(() => ReadGate.current());
  });
  other.deliver(() => {});
  assert.equal(seenAtOnce, gate);
  assert.equal(await seenLater, gate);
  assert.equal(ReadGate.current(), undefined);
});

Deno.test("a held gate opens on release, an open one at once", async () => {
  const gate = new ReadGate();
  assert.equal(gate.held, false);
  await gate.opened();
  gate.hold();
  gate.hold();
  assert.equal(gate.held, true);
  let opened = false;
  const waiting = gate.opened().then(() => opened = true);
  await Promise.resolve();
  assert.equal(opened, false, "opened while held");
  gate.release();
  await waiting;
  assert.equal(gate.held, false);
});

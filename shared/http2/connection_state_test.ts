import assert from "node:assert/strict";
import { ConnectionStateMachine } from "./connection_state.ts";

Deno.test("a connection: handshake, open, closing after GOAWAY, closed", () => {
  const connection = new ConnectionStateMachine();
  assert.equal(connection.state, "handshake");
  assert.equal(connection.acceptsStreams, false, "no stream before the peer's SETTINGS");
  connection.settingsReceived();
  assert.equal(connection.state, "open");
  assert.equal(connection.acceptsStreams, true);
  connection.settingsReceived();
  assert.equal(connection.state, "open", "later SETTINGS change nothing");
  connection.goingAway();
  assert.equal(connection.state, "closing");
  assert.equal(connection.acceptsStreams, false);
  connection.settingsReceived();
  assert.equal(connection.state, "closing", "SETTINGS do not reopen a closing connection");
  connection.close();
  assert.equal(connection.closed, true);
  connection.goingAway();
  assert.equal(connection.state, "closed", "nothing leaves closed");
});

Deno.test("GOAWAY during the handshake closes without ever opening", () => {
  const connection = new ConnectionStateMachine();
  connection.goingAway();
  assert.equal(connection.state, "closing");
  connection.settingsReceived();
  assert.equal(connection.acceptsStreams, false);
});

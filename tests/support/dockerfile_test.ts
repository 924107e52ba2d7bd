import assert from "node:assert/strict";
import {
  assignments,
  execForm,
  parseDockerfile,
  splitOptions,
  stageVariables,
  words,
} from "./dockerfile.ts";

const SAMPLE = `# syntax=docker/dockerfile:1
ARG BASE=debian:12
ARG PORT=80

FROM \${BASE} AS build
# a comment inside a continuation is dropped
RUN apt-get update && \\
    # like this one
    apt-get install -y curl
ARG PORT
ENV URL="http://\${PORT:+localhost:}\${PORT}/" NAME='it''s' PLAIN=a\\ b

FROM scratch
COPY --from=build --chown=1:2 /out /srv
ENTRYPOINT ["/srv/app", "--flag"]
CMD run it
`;

Deno.test("instructions are grouped by stage, continuations joined, comments dropped", () => {
  const file = parseDockerfile(SAMPLE, "Dockerfile");
  assert.deepEqual(file.globals.map((arg) => arg.args), ["BASE=debian:12", "PORT=80"]);
  assert.deepEqual(file.stages.map((stage) => [stage.image, stage.name]), [
    ["${BASE}", "build"],
    ["scratch", undefined],
  ]);
  const [run] = file.stages[0].instructions;
  assert.deepEqual(run, {
    keyword: "RUN",
    args: "apt-get update && apt-get install -y curl",
    line: 7,
  });
  const [copy, entrypoint, cmd] = file.stages[1].instructions;
  assert.deepEqual(execForm(entrypoint.args), ["/srv/app", "--flag"]);
  assert.equal(execForm(cmd.args), undefined);
  const { options, rest } = splitOptions(copy.args);
  assert.deepEqual([...options], [["from", "build"], ["chown", "1:2"]]);
  assert.equal(rest, "/out /srv");
});

Deno.test("stage variables: global defaults, build arguments, quoting and substitution", () => {
  const file = parseDockerfile(SAMPLE, "Dockerfile");
  assert.deepEqual(stageVariables(file, file.stages[0]), {
    args: { PORT: "80" },
    env: { URL: "http://localhost:80/", NAME: "its", PLAIN: "a b" },
  });
  const overridden = stageVariables(file, file.stages[0], { PORT: "" });
  assert.equal(overridden.env.URL, "http:///");
  assert.deepEqual(words(`'{"a":"$X"}' "$X y" \${Y:-none}`, { X: "1" }), [
    `{"a":"$X"}`,
    "1 y",
    "none",
  ]);
  assert.deepEqual(assignments("A B=2", {}), [["A", undefined], ["B", "2"]]);
});

Deno.test("malformed Dockerfiles are refused with the file and line", () => {
  assert.throws(
    () => parseDockerfile("FROM a\nCOPPY x y\n", "D"),
    /^Error: D:2: unknown instruction COPPY$/,
  );
  assert.throws(() => parseDockerfile("RUN true\nFROM a\n", "D"), /D:1: only ARG may come before/);
  assert.throws(() => parseDockerfile("ARG A=1\n", "D"), /D: no FROM instruction/);
  assert.throws(() => words(`"open`, {}), /unterminated "/);
  assert.throws(() => execForm(`["a", 1]`), /JSON array of strings/);
});

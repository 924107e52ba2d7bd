/**
 * A static reader of Dockerfiles, for CI without a Docker engine: splits a
 * file into global ARGs and stages of instructions (continuation lines joined,
 * comments and parser directives dropped, unknown instructions refused), tells
 * exec form from shell form, and reads ARG/ENV/LABEL words with Docker's
 * quoting and `${VAR}` substitution.
 */

export const INSTRUCTIONS: ReadonlySet<string> = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  line: number;
}

export interface Stage {
  /** The FROM instruction that opens the stage. */
  from: Instruction;
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, visible to FROM lines and to stages that redeclare them. */
  globals: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string, file: string): Dockerfile {
  const parsed: Dockerfile = { globals: [], stages: [] };
  for (const instruction of logicalLines(text)) {
    const where = `${file}:${instruction.line}`;
    if (!INSTRUCTIONS.has(instruction.keyword)) {
      throw new Error(`${where}: unknown instruction ${instruction.keyword}`);
    }
    if (instruction.keyword === "FROM") {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`${where}: FROM needs an image and optionally AS <name>`);
      parsed.stages.push({ from: instruction, image: match[1], name: match[2], instructions: [] });
    } else if (parsed.stages.length > 0) {
      parsed.stages.at(-1)!.instructions.push(instruction);
    } else if (instruction.keyword === "ARG") {
      parsed.globals.push(instruction);
    } else {
      throw new Error(`${where}: only ARG may come before the first FROM`);
    }
  }
  if (parsed.stages.length === 0) throw new Error(`${file}: no FROM instruction`);
  return parsed;
}

function* logicalLines(text: string): Generator<Instruction> {
  let pending: { parts: string[]; line: number } | undefined;
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && !pending)) continue;
    const continued = line.endsWith("\\");
    pending ??= { parts: [], line: index + 1 };
    pending.parts.push(continued ? line.slice(0, -1).trim() : line);
    if (continued && index < lines.length - 1) continue;
    const joined = pending.parts.filter((part) => part !== "").join(" ");
    const [keyword] = joined.split(/\s/, 1);
    yield {
      keyword: keyword.toUpperCase(),
      args: joined.slice(keyword.length).trim(),
      line: pending.line,
    };
    pending = undefined;
  }
}

/** The JSON array of an exec-form instruction, or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`exec form must be a JSON array of strings: ${args}`);
  }
  return value;
}

/** Leading `--name=value` options (COPY --from, HEALTHCHECK --interval) and the rest. */
export function splitOptions(args: string): { options: Map<string, string>; rest: string } {
  const options = new Map<string, string>();
  let rest = args;
  for (let match; (match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest));) {
    options.set(match[1], match[2] ?? "");
    rest = rest.slice(match[0].length);
  }
  return { options, rest };
}

export type Variables = Record<string, string | undefined>;

/**
 * Splits instruction arguments into words as Docker does for ARG, ENV, LABEL,
 * COPY and friends: whitespace separates words, single quotes are literal,
 * double quotes and backslashes escape, `$NAME`, `${NAME}`, `${NAME:-word}`
 * and `${NAME:+word}` substitute (outside single quotes).
 */
export function words(text: string, variables: Variables): string[] {
  const result: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'" && char !== "'") {
      word += char;
    } else if ((char === "'" || char === '"') && (quote === undefined || quote === char)) {
      word ??= "";
      quote = quote ? undefined : char;
    } else if (char === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else if (char === "$") {
      const [value, length] = substitution(text.slice(i), variables);
      word = (word ?? "") + value;
      i += length - 1;
    } else if (/\s/.test(char) && quote === undefined) {
      if (word !== undefined) result.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} in: ${text}`);
  if (word !== undefined) result.push(word);
  return result;
}

function substitution(text: string, variables: Variables): [string, number] {
  const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}/.exec(text);
  const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
  const match = braced ?? bare;
  if (!match) return ["$", 1];
  const value = variables[match[1]] ?? "";
  const [operator, word] = [match[2], match[3] ?? ""];
  const expanded = operator === "-"
    ? value || words(word, variables).join(" ")
    : operator === "+"
    ? value && words(word, variables).join(" ")
    : value;
  return [expanded, match[0].length];
}

/** `name=value` words (ARG, ENV, LABEL); an ARG may omit `=value`. */
export function assignments(args: string, variables: Variables): [string, string | undefined][] {
  return words(args, variables).map((word) => {
    const at = word.indexOf("=");
    return at < 0 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
  });
}

/**
 * The variables a stage's instructions see after its last ARG and ENV: build
 * arguments override ARG defaults, a stage's bare `ARG NAME` takes the global
 * default, ENV values persist into the image.
 */
export function stageVariables(
  file: Dockerfile,
  stage: Stage,
  buildArgs: Variables = {},
): { args: Variables; env: Variables } {
  const globals: Variables = {};
  for (const instruction of file.globals) {
    for (const [name, value] of assignments(instruction.args, globals)) {
      globals[name] = buildArgs[name] ?? value;
    }
  }
  const args: Variables = {};
  const env: Variables = {};
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== "ARG" && instruction.keyword !== "ENV") continue;
    for (const [name, value] of assignments(instruction.args, { ...args, ...env })) {
      if (instruction.keyword === "ENV") env[name] = value ?? "";
      else args[name] = buildArgs[name] ?? value ?? globals[name];
    }
  }
  return { args, env };
}

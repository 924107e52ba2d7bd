/**
 * The tag rules both programs apply: which tags a point carries (environment,
 * service, container and host_name required; app and database optional) and
 * what a value may hold. The aggregator refuses a point that breaks them; the
 * collector's per-host mode checks the tags it reads from Docker with the same
 * rules, so a container whose labels would be refused is skipped at the source.
 *
 * A value is non-empty, at most {@link MAX_TAG_CHARACTERS} code points, has no
 * control or line-separator character, no backslash at the end or right
 * before a comma, equals sign or space: InfluxDB's line protocol has no escape
 * for a backslash there (such a value would swallow the separator after it
 * and InfluxDB would refuse the line), and no comma followed by a space: that
 * is how HTTP joins a header sent twice, so such a value cannot be told from a
 * tag sent twice with different values.
 *
 * @module
 */

export const REQUIRED_TAGS = ["environment", "service", "container", "host_name"] as const;
export const OPTIONAL_TAGS = ["app", "database"] as const;
export const MAX_TAG_CHARACTERS = 255;

export type TagName = typeof REQUIRED_TAGS[number] | typeof OPTIONAL_TAGS[number];

/** Every tag, the required ones first: the order in which tags are checked, keyed and stored. */
export const TAG_NAMES: readonly TagName[] = [...REQUIRED_TAGS, ...OPTIONAL_TAGS];

/** A point's tags once checked. */
export interface Tags {
  environment: string;
  service: string;
  container: string;
  host_name: string;
  app?: string;
  database?: string;
}

/** Tags checked, or the first problem: which rule (for counters) and a message naming the tag. */
export type TagCheck =
  | { tags: Tags }
  | { reason: "missing_tag" | "invalid_tag"; problem: string };

const FORBIDDEN = /[\p{Cc}\u2028\u2029]/u;
const UNESCAPABLE_BACKSLASH = /\\(?=[,= ]|$)/;
const JOINED = ", ";

/** What is wrong with a tag value, or undefined when it is fine. */
export function tagValueProblem(value: string): string | undefined {
  if (value === "") return "is empty";
  // A string has at least as many UTF-16 units as code points: count these only when it may matter.
  const length = value.length > MAX_TAG_CHARACTERS ? [...value].length : value.length;
  if (length > MAX_TAG_CHARACTERS) {
    return `is ${length} characters long, more than ${MAX_TAG_CHARACTERS}`;
  }
  if (FORBIDDEN.test(value)) return "contains a control character";
  if (value.includes(JOINED)) {
    return 'holds ", " (a comma and a space), which is how a header sent twice arrives';
  }
  if (UNESCAPABLE_BACKSLASH.test(value)) {
    return "has a backslash at the end or before a comma, equals sign or space, " +
      "which InfluxDB line protocol cannot carry";
  }
}

/**
 * {@link tagValueProblem} remembering the values it found fine, for the many
 * points of one call, which mostly repeat theirs (one per call: it holds at
 * most the call's distinct values).
 */
export function rememberingTagValueProblem(): (value: string) => string | undefined {
  const fine = new Set<string>();
  return (value) => {
    if (fine.has(value)) return undefined;
    const problem = tagValueProblem(value);
    if (problem === undefined) fine.add(value);
    return problem;
  };
}

/**
 * Checks the tags `value` finds (undefined or null when absent; an empty
 * optional tag counts as absent). `label` names a tag in problems, e.g.
 * `header "service"`; `problem` finds what is wrong with a value.
 */
export function checkTags(
  value: (name: TagName) => string | null | undefined,
  label: (name: TagName) => string,
  problem: (value: string) => string | undefined = tagValueProblem,
): TagCheck {
  const tags: Partial<Record<TagName, string>> = {};
  for (let i = 0; i < TAG_NAMES.length; i++) {
    const name = TAG_NAMES[i];
    const found = value(name);
    const required = i < REQUIRED_TAGS.length;
    if (found === null || found === undefined || (!required && found === "")) {
      if (!required) continue;
      return { reason: "missing_tag", problem: `missing required tag: ${label(name)} is not set` };
    }
    const wrong = problem(found);
    if (wrong) {
      return { reason: "invalid_tag", problem: `invalid tag: ${label(name)} ${wrong}` };
    }
    tags[name] = found;
  }
  return { tags: tags as Tags };
}

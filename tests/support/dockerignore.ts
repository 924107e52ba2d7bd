/**
 * Which paths a `.dockerignore` keeps out of the build context, read as
 * Docker does: one pattern a line, `#` comments, `!` re-includes, `*` and `?`
 * within one path segment, `**` across segments, the last matching pattern
 * wins, and a pattern that matches a directory covers everything below it.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text.split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const include = line.startsWith("!");
      const pattern = (include ? line.slice(1) : line).trim().replace(/^\/+|\/+$/g, "");
      return { include, pattern: patternRegExp(pattern) };
    });
  return (path) => {
    const clean = path.replace(/^\.?\/+|\/+$/g, "");
    const segments = clean.split("/");
    const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (prefixes.some((prefix) => rule.pattern.test(prefix))) excluded = !rule.include;
    }
    return excluded;
  };
}

function patternRegExp(pattern: string): RegExp {
  if (/[\[\]\\]/.test(pattern)) throw new Error(`unsupported .dockerignore pattern: ${pattern}`);
  const source = pattern.split(/(\*\*\/|\*\*|\*|\?)/).map((part) =>
    part === "**/"
      ? "(?:.*/)?"
      : part === "**"
      ? ".*"
      : part === "*"
      ? "[^/]*"
      : part === "?"
      ? "[^/]"
      : part.replace(/[.+^${}()|]/g, "\\$&")
  ).join("");
  return new RegExp(`^${source}$`);
}

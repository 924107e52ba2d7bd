/**
 * A plain-text table for the summaries the suites print: columns padded to
 * their widest cell, separated by ` | `, with a dashed rule under the header.
 *
 * @module
 */

export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((line) => line[column].length))
  );
  const line = (values: string[]) =>
    values.map((value, column) => value.padEnd(widths[column])).join(" | ").trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("-|-"), ...rows.map(line)]
    .join("\n");
}

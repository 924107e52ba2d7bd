/**
 * A count with its noun in the right number, for messages an operator reads:
 * `1 problem`, `2 problems`, `0 containers`.
 *
 * @module
 */

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

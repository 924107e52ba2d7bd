/**
 * The tags a runtime module derived for a container, checked as the
 * aggregator will check them (shared/tags.ts), so a container whose tags
 * would be refused is skipped at the source with the reason.
 *
 * @module
 */
import { checkTags } from "../../shared/tags.ts";
import { tagHeaders } from "../tags.ts";
import type { ContainerTags } from "./runtime.ts";

/**
 * Applies the tag rules the aggregator applies (shared/tags.ts) to the tags as
 * request metadata carries them (a header value loses surrounding spaces), and
 * returns the tags the aggregator would record; a problem names the tag and,
 * when `origin` knows it, where its value came from.
 */
export function checkContainerTags(
  tags: ContainerTags,
  origin: (tag: string) => string | undefined,
): { tags: ContainerTags } | { problem: string } {
  const checked = checkTags((name) => tags[name]?.trim(), (name) => {
    const from = origin(name);
    return from === undefined ? `tag "${name}"` : `tag "${name}" (from ${from})`;
  });
  if ("problem" in checked) return { problem: checked.problem };
  const valid = checked.tags;
  return {
    tags: tagHeaders({
      environment: valid.environment,
      service: valid.service,
      containerId: valid.container,
      hostName: valid.host_name,
      app: valid.app,
      database: valid.database,
    }),
  };
}

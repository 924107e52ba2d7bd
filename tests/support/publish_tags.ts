/**
 * The tag headers a test's Publish call carries: the four every point needs
 * (environment, service, container, host_name), plus any extra.
 *
 * @module
 */

/** The four tags every point needs, as request headers; host_name is the container's first 12 characters. */
export function tagHeaders(
  container: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    environment: "test",
    service: "web",
    container,
    host_name: container.slice(0, 12),
    ...extra,
  };
}

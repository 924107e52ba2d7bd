/**
 * The aggregator's live status page, served on the metrics listener: `GET /`
 * is one self-contained page (./page.html: inline style and script, no other
 * request than `api/status`, which it polls at the aggregator's publish
 * frequency), `GET /api/status` the {@link StatusSnapshot} it draws. It is
 * read-only and shows no secret; a Content-Security-Policy lets the page run
 * only its own script and reach only the aggregator.
 *
 * `observe` is fed the points the intake accepted; everything else is read
 * from the aggregator through {@link StatusSources} when a snapshot is asked.
 * A snapshot is reused for up to half a refresh period (at most a second), so
 * many viewers or a client asking in a loop cost one snapshot per period.
 *
 * @module
 */
import page from "./page.html" with { type: "text" };
import type { Point } from "../stored_point.ts";
import { ContainerBoard } from "./containers.ts";
import { SnapshotBuilder, type StatusSnapshot, type StatusSources } from "./snapshot.ts";

export { configSecrets } from "./redact.ts";
export type { SinkBacklog, SinkProblem, StatusSnapshot, StatusSources } from "./snapshot.ts";

export const PAGE_PATH = "/";
export const API_PATH = "/api/status";
/** The longest a snapshot is reused. */
const REUSE_MAX_MS = 1_000;

export class StatusPage {
  readonly #board = new ContainerBoard();
  readonly #builder: SnapshotBuilder;
  readonly #now: () => number;
  readonly #reuseMs: number;
  #policy?: Promise<string>;
  #last?: { atMs: number; json: string };

  constructor(sources: StatusSources) {
    this.#builder = new SnapshotBuilder(sources, this.#board);
    this.#now = sources.now ?? Date.now;
    this.#reuseMs = Math.min(REUSE_MAX_MS, sources.refreshMs / 2);
  }

  /** Records points the intake accepted (already spooled). */
  observe(points: readonly Point[]): void {
    this.#board.observe(points, this.#now());
  }

  snapshot(): StatusSnapshot {
    return this.#builder.build();
  }

  /** The answer to a `GET` of `path`, or undefined when the path is not the page's. */
  async answer(path: string): Promise<Response | undefined> {
    const common = {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (path === API_PATH) {
      return new Response(this.#json(), {
        headers: { ...common, "content-type": "application/json" },
      });
    }
    if (path !== PAGE_PATH) return undefined;
    this.#policy ??= contentSecurityPolicy(page);
    return new Response(page, {
      headers: {
        ...common,
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": await this.#policy,
      },
    });
  }

  /** The snapshot as JSON, the last one while it is recent enough. */
  #json(): string {
    const nowMs = this.#now();
    if (!this.#last || nowMs - this.#last.atMs >= this.#reuseMs) {
      this.#last = { atMs: nowMs, json: JSON.stringify(this.snapshot()) };
    }
    return this.#last.json;
  }
}

/** Only the page's own inline style and script run, and they reach only the aggregator. */
async function contentSecurityPolicy(html: string): Promise<string> {
  const hash = async (tag: string) => {
    const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)![1];
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
    return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
  };
  return [
    "default-src 'none'",
    `script-src ${await hash("script")}`,
    `style-src ${await hash("style")}`,
    "connect-src 'self'",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

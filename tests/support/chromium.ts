/**
 * Debian's Chromium, headless, driven over the DevTools protocol on its
 * WebSocket, for the status page's browser tests. (playwright-core cannot run
 * under Deno's permission flags: it probes a `/proc/sys` path at load, which
 * Deno grants only with every permission; the protocol itself is a few
 * messages.) Each browser gets a fresh profile and no background networking.
 * Whatever it would still send to a host other than loopback (which Chromium
 * never proxies) reaches a proxy on loopback that records and refuses it
 * ({@link Chromium.proxied}); each page keeps the log of its own requests.
 *
 * Debian's build carries Google API keys, so the browser itself — not a page
 * — signs in to Google accounts and asks for component updates even with
 * background networking off: those services are pointed at a second loopback
 * recorder ({@link Chromium.ownServices}), and its network time and
 * optimization hints are turned off, so nothing leaves the machine. Every step
 * has a deadline naming it; `close` ends the browser and removes its profile.
 *
 * @module
 */
import { settledWithin, withDeadline } from "./deadline.ts";

export const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-port=0",
  "--disable-features=NetworkTimeServiceQuerying,OptimizationHints",
];
/** The browser's own Google services, pointed at a recorder on loopback. */
const OWN_SERVICES = [
  "--gaia-url",
  "--google-apis-url",
  "--lso-url",
  "--apps-gallery-update-url",
  "--component-updater=url-source",
];
const STEP_TIMEOUT_MS = 15_000;

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  try {
    Deno.statSync(CHROMIUM);
    return undefined;
  } catch {
    return `${CHROMIUM} is not installed (apt-get install chromium)`;
  }
}

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** A loopback listener standing in as the browser's proxy: it records each request line and closes. */
class RecordingProxy {
  readonly requests: string[] = [];
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #done: Promise<void>;

  constructor() {
    this.#done = this.#serve();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  async #serve(): Promise<void> {
    for await (const conn of this.#listener) {
      const buffer = new Uint8Array(4096);
      conn.read(buffer).then((read) => {
        const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
        this.requests.push(head.split("\r\n", 1)[0]);
      }).catch(() => {}).finally(() => conn.close());
    }
  }

  async close(): Promise<void> {
    this.#listener.close();
    await this.#done.catch(() => {});
  }
}

export class Chromium {
  /** Request lines that reached the proxy: attempts to leave loopback. */
  get proxied(): readonly string[] {
    return this.#proxy.requests;
  }

  /** Request lines the browser sent its own (Google) services, kept on loopback. */
  get ownServices(): readonly string[] {
    return this.#services.requests;
  }

  #child: Deno.ChildProcess;
  #profile: string;
  #proxy: RecordingProxy;
  #services: RecordingProxy;
  #socket: WebSocket;
  #nextId = 0;
  #pending = new Map<number, PromiseWithResolvers<Record<string, unknown>>>();
  #listeners = new Set<(message: Message) => void>();

  private constructor(
    child: Deno.ChildProcess,
    profile: string,
    recorders: { proxy: RecordingProxy; services: RecordingProxy },
    socket: WebSocket,
  ) {
    this.#child = child;
    this.#profile = profile;
    this.#proxy = recorders.proxy;
    this.#services = recorders.services;
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data) as Message;
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (pending) {
        this.#pending.delete(message.id!);
        if (message.error) pending.reject(new Error(message.error.message));
        else pending.resolve(message.result ?? {});
      }
      for (const listener of this.#listeners) listener(message);
    };
  }

  static async launch(): Promise<Chromium> {
    const profile = await Deno.makeTempDir({ prefix: "mini-collector-chromium-" });
    const proxy = new RecordingProxy();
    const services = new RecordingProxy();
    const child = new Deno.Command(CHROMIUM, {
      args: [
        ...FLAGS,
        ...OWN_SERVICES.map((flag) => `${flag}=http://127.0.0.1:${services.port}`),
        `--user-data-dir=${profile}`,
        `--proxy-server=http://127.0.0.1:${proxy.port}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const url = await withDeadline(
        devtoolsUrl(child.stderr),
        STEP_TIMEOUT_MS,
        "Chromium to print its DevTools address",
      );
      const socket = new WebSocket(url);
      await withDeadline(
        new Promise((resolve, reject) => {
          socket.onopen = resolve;
          socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
        }),
        STEP_TIMEOUT_MS,
        "the DevTools WebSocket to open",
      );
      return new Chromium(child, profile, { proxy, services }, socket);
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      await proxy.close();
      await services.close();
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
  }

  /** Sends one command (to a page when `sessionId` is given) and waits for its result. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = ++this.#nextId;
    const answer = Promise.withResolvers<Record<string, unknown>>();
    this.#pending.set(id, answer);
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    return withDeadline(answer.promise, STEP_TIMEOUT_MS, `Chromium to answer ${method}`);
  }

  /** Calls `listener` with every event until the returned function is called. */
  listen(listener: (message: Message) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A new tab, its network log on. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    await page.enable();
    return page;
  }

  async close(): Promise<void> {
    try {
      await this.send("Browser.close");
    } catch {
      this.#child.kill("SIGKILL");
    }
    this.#socket.close();
    const exited = await settledWithin(this.#child.status, 5_000);
    if (!exited) {
      this.#child.kill("SIGKILL");
      await this.#child.status;
    }
    await this.#proxy.close();
    await this.#services.close();
    await Deno.remove(this.#profile, { recursive: true });
  }
}

/** One tab. */
export class Page {
  /** Every URL the page requested, in order. */
  readonly requests: string[] = [];
  /** Uncaught exceptions and console or browser messages at error level (CSP refusals among them). */
  readonly errors: string[] = [];
  readonly #browser: Chromium;
  readonly #session: string;
  #loaded?: () => void;

  constructor(browser: Chromium, session: string) {
    this.#browser = browser;
    this.#session = session;
    browser.listen((message) => {
      if (message.sessionId !== session) return;
      if (message.method === "Network.requestWillBeSent") {
        this.requests.push((message.params!.request as { url: string }).url);
      }
      if (message.method === "Page.loadEventFired") this.#loaded?.();
      if (message.method === "Runtime.exceptionThrown") {
        this.errors.push(JSON.stringify(message.params!.exceptionDetails));
      }
      const entry = message.params?.entry as { level: string; text: string } | undefined;
      if (message.method === "Log.entryAdded" && entry?.level === "error") {
        this.errors.push(entry.text);
      }
    });
  }

  async enable(): Promise<void> {
    await this.#send("Network.enable");
    await this.#send("Page.enable");
    await this.#send("Runtime.enable");
    await this.#send("Log.enable");
  }

  /** Loads `url` and waits for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.#loaded = resolve);
    await this.#send("Page.navigate", { url });
    await withDeadline(loaded, STEP_TIMEOUT_MS, `${url} to load`);
  }

  /** The value of `expression` (awaited when a promise), evaluated in the page. */
  async evaluate<T>(expression: string): Promise<T> {
    const answer = await this.#send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    const exception = answer.exceptionDetails as {
      text: string;
      exception?: { description?: string };
    };
    if (exception) {
      throw new Error(`${expression}: ${exception.exception?.description ?? exception.text}`);
    }
    return (answer.result as { value: T }).value;
  }

  /** Emulates a screen `width` × `height` CSS pixels wide, as a phone when `mobile`. */
  async resize(width: number, height: number, mobile = false): Promise<void> {
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: mobile ? 2 : 1,
      mobile,
    });
  }

  /** A PNG of the whole page. */
  async screenshot(path: string): Promise<void> {
    const { data } = await this.#send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
    });
    await Deno.writeFile(path, Uint8Array.from(atob(data as string), (c) => c.charCodeAt(0)));
  }

  #send(method: string, params: Record<string, unknown> = {}) {
    return this.#browser.send(method, params, this.#session);
  }
}

/** The `ws://` address Chromium prints on stderr once it listens; the rest of stderr is drained. */
async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const lines = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`Chromium exited before listening:\n${text.slice(-2000)}`);
    text += value;
    const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
    if (match) {
      (async () => {
        while (!(await lines.read()).done);
      })().catch(() => {});
      return match[1];
    }
  }
}

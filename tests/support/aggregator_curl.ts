/**
 * Publish calls made by curl, for tests that need exact bytes on the wire:
 * header values that are not UTF-8 or hold control characters, malformed
 * bodies, wrong content types. Returns the HTTP status and the Connect error.
 */

/** What the aggregator answered: HTTP status and, for a Connect error, its code and message. */
export interface CurlAnswer {
  status: number;
  code?: string;
  message?: string;
}

/**
 * A Connect unary Publish made by curl over HTTP/2, headers and body sent byte
 * for byte; `directory` holds the request files.
 */
export async function curlPublish(
  baseUrl: string,
  directory: string,
  headers: Record<string, string>,
  body: Uint8Array,
  contentType = "application/proto",
): Promise<CurlAnswer> {
  const file = `${directory}/body`;
  await Deno.writeFile(file, body);
  // Headers go through a curl config file written byte for byte (one byte per
  // character), so a test can send bytes that are not UTF-8.
  const config = `${directory}/curl.config`;
  const lines = Object.entries(headers).map(([name, value]) =>
    // `name;` is curl's way of sending a header with an empty value.
    `header = "${value === "" ? `${name};` : `${name}: ${value}`}"\n`
  );
  await Deno.writeFile(config, Uint8Array.from(lines.join(""), (c) => c.charCodeAt(0)));
  const output = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--http2-prior-knowledge",
      "--config",
      config,
      "--header",
      `content-type: ${contentType}`,
      "--data-binary",
      `@${file}`,
      "--write-out",
      "\n%{http_code}",
      `${baseUrl}/Aggregator/Publish`,
    ],
  }).output();
  const text = new TextDecoder("latin1").decode(output.stdout);
  const status = Number(text.slice(text.lastIndexOf("\n") + 1));
  const json = text.slice(0, text.lastIndexOf("\n"));
  if (!json.startsWith('{"code"')) return { status };
  const error = JSON.parse(json);
  return { status, code: error.code, message: error.message };
}

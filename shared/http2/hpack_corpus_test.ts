/**
 * The decoder against the public hpack-test-case corpus (a subset kept in
 * tests/fixtures/hpack/): every block of every story, in order on one decoder
 * per story, decodes to exactly the listed headers.
 */
import assert from "node:assert/strict";
import { HeaderDecoder, type HeaderField } from "./hpack.ts";

const FIXTURES = new URL("../../tests/fixtures/hpack/", import.meta.url);

interface Story {
  cases: { seqno: number; wire: string; headers: Record<string, string>[] }[];
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** The decoder gives octets as Latin-1 characters; the corpus lists text. */
function asText([name, value]: HeaderField): HeaderField {
  const utf8 = (latin1: string) =>
    new TextDecoder().decode(Uint8Array.from(latin1, (char) => char.charCodeAt(0)));
  return [utf8(name), utf8(value)];
}

Deno.test("decodes every block of the hpack-test-case stories exactly", async () => {
  let stories = 0;
  let blocks = 0;
  for await (const encoder of Deno.readDir(FIXTURES)) {
    if (!encoder.isDirectory) continue;
    for await (const file of Deno.readDir(new URL(`${encoder.name}/`, FIXTURES))) {
      const where = `${encoder.name}/${file.name}`;
      const story: Story = JSON.parse(await Deno.readTextFile(new URL(where, FIXTURES)));
      const decoder = new HeaderDecoder(1 << 20);
      for (const block of story.cases) {
        const expected = block.headers.map((field) => Object.entries(field)[0]);
        const decoded = decoder.decode(hexBytes(block.wire)).map(asText);
        assert.deepEqual(decoded, expected, `${where}, block ${block.seqno}`);
        blocks++;
      }
      stories++;
    }
  }
  assert.equal(stories, 42);
  assert.equal(blocks, 315);
});

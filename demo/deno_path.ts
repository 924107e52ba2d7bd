/**
 * Prints the path of the deno executable running it, so the demo task can
 * allow exactly that binary (and not every program) to be spawned:
 * `--allow-run=…,$(deno run --allow-read demo/deno_path.ts)`.
 */
console.log(Deno.execPath());

// Run as its own process under the flags being tested: tries to connect to
// each unix socket path given and prints, as JSON, "ok" or the error's name.
const answers: Record<string, string> = {};
for (const path of Deno.args) {
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    answers[path] = "ok";
  } catch (error) {
    answers[path] = (error as Error).name;
  }
}
console.log(JSON.stringify(answers));

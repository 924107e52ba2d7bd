/**
 * Run by tests under a program's exact permission flags (collector or
 * aggregator): tries what the program must be able to do and what it must
 * not, and prints each outcome as JSON ("ok" or the error's name, e.g.
 * "NotCapable").
 *
 *   probe <allowed dir> <allowed host:port> <forbidden file> <forbidden host:port>
 *
 * Besides those four it tries: writing into the allowed directory (the
 * aggregator's spool: yes; the collector's cgroup root: no), writing outside
 * it, reaching the allowed port on another host (127.0.0.2), listening on a
 * port of its choosing, spawning a process and reading an env variable
 * outside its prefix.
 */
const [allowedDir, allowedAddress, forbiddenFile, forbiddenAddress] = Deno.args;

async function outcome(attempt: () => Promise<unknown>): Promise<string> {
  try {
    await attempt();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  }
}

async function connect(address: string): Promise<void> {
  const [hostname, port] = address.split(":");
  (await Deno.connect({ hostname, port: Number(port) })).close();
}

const otherHost = `127.0.0.2:${allowedAddress.split(":")[1]}`;

console.log(JSON.stringify({
  readAllowed: await outcome(() => Array.fromAsync(Deno.readDir(allowedDir))),
  connectAllowed: await outcome(() => connect(allowedAddress)),
  readForbidden: await outcome(() => Deno.readTextFile(forbiddenFile)),
  connectForbidden: await outcome(() => connect(forbiddenAddress)),
  connectOtherHost: await outcome(() => connect(otherHost)),
  writeAllowedDir: await outcome(() => Deno.writeTextFile(`${allowedDir}/probe`, "x")),
  writeOutside: await outcome(() => Deno.writeTextFile(`${forbiddenFile}.probe`, "x")),
  listen: await outcome(() =>
    Promise.resolve(Deno.listen({ hostname: "127.0.0.1", port: 0 }).close())
  ),
  spawn: await outcome(() => new Deno.Command("true").output()),
  envOutsidePrefix: await outcome(() => Promise.resolve(Deno.env.get("HOME"))),
}));

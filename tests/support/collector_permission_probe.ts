/**
 * Run by tests under the collector's exact permission flags: tries what the
 * collector must be able to do and what it must not, and prints each outcome
 * as JSON ("ok" or the error's name, e.g. "NotCapable").
 *
 *   probe <allowed dir> <allowed host:port> <forbidden file> <forbidden host:port>
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

console.log(JSON.stringify({
  readAllowed: await outcome(() => Array.fromAsync(Deno.readDir(allowedDir))),
  connectAllowed: await outcome(() => connect(allowedAddress)),
  readForbidden: await outcome(() => Deno.readTextFile(forbiddenFile)),
  connectForbidden: await outcome(() => connect(forbiddenAddress)),
  writeCgroupRoot: await outcome(() => Deno.writeTextFile(`${allowedDir}/probe`, "x")),
  envOutsidePrefix: await outcome(() => Promise.resolve(Deno.env.get("HOME"))),
}));

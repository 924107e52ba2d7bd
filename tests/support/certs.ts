/**
 * Test PKI made with the openssl command line: a CA with a server and a client
 * certificate, and a second, unrelated CA with its own client certificate, for
 * mutual-TLS tests. Files live in a temporary directory; PEM text is returned.
 */

export interface Pki {
  caCertificate: string;
  serverCertificate: string;
  serverKey: string;
  clientCertificate: string;
  clientKey: string;
  /** A client certificate signed by a CA the server does not trust. */
  strangerCertificate: string;
  strangerKey: string;
  strangerCaCertificate: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
  if (!output.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

async function authority(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
  );
}

async function leaf(dir: string, ca: string, name: string, extensions: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}.ext`, extensions);
  await openssl(
    dir,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  );
}

export async function makePki(): Promise<Pki> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-pki-" });
  try {
    await authority(dir, "ca");
    await authority(dir, "stranger-ca");
    await leaf(
      dir,
      "ca",
      "server",
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    await leaf(dir, "ca", "client", "extendedKeyUsage=clientAuth\n");
    await leaf(dir, "stranger-ca", "stranger", "extendedKeyUsage=clientAuth\n");
    const read = (file: string) => Deno.readTextFile(`${dir}/${file}`);
    return {
      caCertificate: await read("ca.crt"),
      serverCertificate: await read("server.crt"),
      serverKey: await read("server.key"),
      clientCertificate: await read("client.crt"),
      clientKey: await read("client.key"),
      strangerCertificate: await read("stranger.crt"),
      strangerKey: await read("stranger.key"),
      strangerCaCertificate: await read("stranger-ca.crt"),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The CA and the trusted client's certificate and key as files in `directory`, as clients take them. */
export async function writeClientFiles(
  directory: string,
  pki: Pki,
): Promise<{ ca: string; cert: string; key: string }> {
  const files = { ca: pki.caCertificate, cert: pki.clientCertificate, key: pki.clientKey };
  const paths = {
    ca: `${directory}/ca.pem`,
    cert: `${directory}/client.pem`,
    key: `${directory}/client.key`,
  };
  for (const name of ["ca", "cert", "key"] as const) {
    await Deno.writeTextFile(paths[name], files[name]);
  }
  return paths;
}

/** The aggregator's environment for mutual TLS with this PKI's server certificate and CA. */
export function aggregatorTlsEnv(pki: Pki): Record<string, string> {
  return {
    AGGREGATOR_TLS: "",
    AGGREGATOR_TLS_CERTIFICATE: pki.serverCertificate,
    AGGREGATOR_TLS_KEY: pki.serverKey,
    AGGREGATOR_TLS_CA_CERTIFICATE: pki.caCertificate,
  };
}

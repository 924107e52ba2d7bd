/**
 * The Kubernetes manifests of deploy/kubernetes/ as the deployment test
 * reads them: every object of every file, each container with the
 * environment Kubernetes would give it (values from Secrets of the same
 * files, `$(POD_UID)` expanded), and the image builds of images.json.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { readRepositoryFile as read, ROOT } from "./repository.ts";

export const MANIFESTS = "deploy/kubernetes";

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
};

export interface KubeContainer {
  name: string;
  image: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface ImageBuild {
  dockerfile: string;
  args: Record<string, string>;
}

/** Every object of every manifest file, with the file it is in. */
export function manifestObjects(): { file: string; object: KubeObject }[] {
  const found: { file: string; object: KubeObject }[] = [];
  for (const entry of Deno.readDirSync(new URL(`${MANIFESTS}/`, ROOT))) {
    if (!entry.name.endsWith(".yaml")) continue;
    const file = `${MANIFESTS}/${entry.name}`;
    for (const document of parseAllDocuments(read(file))) {
      if (document.errors.length) throw new Error(`${file}: ${document.errors.join("; ")}`);
      found.push({ file, object: document.toJS() as KubeObject });
    }
  }
  return found;
}

/** The pod template's containers of a workload object (none for others). */
export function containersOf(object: KubeObject): KubeContainer[] {
  const template = object.spec?.template as { spec?: { containers?: KubeContainer[] } } | undefined;
  return template?.spec?.containers ?? [];
}

/** The image builds by image name. */
export function imageBuilds(): Record<string, ImageBuild> {
  return JSON.parse(read(`${MANIFESTS}/images.json`));
}

/** The container's environment as set: literal values, Secret keys from `secrets`, `$(POD_UID)` expanded. */
export function containerEnv(
  container: KubeContainer,
  secrets: readonly KubeObject[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = secrets.find((object) => object.metadata.name === ref.name);
      const value = secret?.stringData?.[ref.key];
      if (value === undefined) {
        throw new Error(`${variable.name}: no Secret ${ref.name}/${ref.key}`);
      }
      env[variable.name] = value;
    } else if (variable.value !== undefined) {
      env[variable.name] = variable.value.replace(
        "$(POD_UID)",
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      );
    }
  }
  return env;
}

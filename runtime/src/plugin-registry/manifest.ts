import { fromBinary } from "@bufbuild/protobuf";
import { AbiVersion, ManifestSchema, type Manifest } from "../gen/hermes/plugin/v1/plugin_pb.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { customSections } from "./signing/wasm-module.js";

/** The custom section that carries a plugin's binary hermes.plugin.v1.Manifest. */
export const manifestSectionName = "hermes.manifest";

const namePattern = /^[a-z0-9-]{1,64}$/;
// semver.org's recommended expression (2.0.0), without the named groups.
const semverPattern =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Reads and validates the manifest embedded in a plugin, without running it.
 * Throws PLUGIN_REJECTED saying what is missing or wrong.
 */
export function readManifest(wasm: Uint8Array): Manifest {
  const sections = customSections(wasm, manifestSectionName);
  if (sections.length === 0) {
    throw rejected(`the module has no "${manifestSectionName}" custom section: build it with the Hermes SDK, which embeds the manifest`);
  }
  if (sections.length > 1) throw rejected(`the module has ${sections.length} "${manifestSectionName}" custom sections; exactly one is allowed`);
  let manifest: Manifest;
  try {
    manifest = fromBinary(ManifestSchema, sections[0]);
  } catch (reason) {
    throw rejected(`the "${manifestSectionName}" section is not a binary hermes.plugin.v1.Manifest: ${(reason as Error).message}`, reason);
  }
  validateManifest(manifest);
  return manifest;
}

export function validateManifest(manifest: Manifest): void {
  if (!namePattern.test(manifest.name)) throw rejected(`manifest name ${JSON.stringify(manifest.name)} must match [a-z0-9-]{1,64}`);
  if (!isSemver(manifest.version)) throw rejected(`manifest version ${JSON.stringify(manifest.version)} of ${manifest.name} is not a semantic version (e.g. 1.4.0)`);
  if (manifest.abiVersion !== AbiVersion.V1) {
    throw rejected(`${manifest.name}@${manifest.version} targets ABI ${AbiVersion[manifest.abiVersion] ?? manifest.abiVersion}; this gateway runs ABI V1 plugins`);
  }
}

export function isSemver(version: string): boolean {
  return semverPattern.test(version);
}

/** Semantic version precedence (semver.org §11); build metadata is ignored. */
export function compareSemver(a: string, b: string): number {
  const [coreA, preA] = splitVersion(a);
  const [coreB, preB] = splitVersion(b);
  for (let i = 0; i < 3; i++) if (coreA[i] !== coreB[i]) return coreA[i] - coreB[i];
  if (preA.length === 0 || preB.length === 0) return preB.length - preA.length;
  for (let i = 0; i < Math.min(preA.length, preB.length); i++) {
    const [x, y] = [preA[i], preB[i]];
    if (x === y) continue;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return preA.length - preB.length;
}

function splitVersion(version: string): [number[], string[]] {
  const [withoutBuild] = version.split("+");
  const dash = withoutBuild.indexOf("-");
  const core = (dash < 0 ? withoutBuild : withoutBuild.slice(0, dash)).split(".").map(Number);
  const pre = dash < 0 ? [] : withoutBuild.slice(dash + 1).split(".");
  return [core, pre];
}

function rejected(message: string, cause?: unknown): HermesError {
  return new HermesError(ErrorCode.PLUGIN_REJECTED, message, { field: "artifact", cause });
}

// Plugin versions are semantic versions: the registry orders them and refuses
// anything else at publish, the host at load.
// semver.org's recommended expression (2.0.0), without the named groups.
const semverPattern =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

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

import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PublicKey, SecretKey, SignatureError } from "@hermes/runtime/plugin-registry";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";

/**
 * A public key as the user gives it: a key file in any format the registry
 * reads (wasmsign2 raw, PEM, DER), 64 hex characters, or base64 of the raw
 * 32 bytes (as `hermes keys generate` prints it).
 */
export function readPublicKey(value: string): PublicKey {
  if (existsSync(value) && statSync(value).isFile())
    return asKey(value, () => PublicKey.from(readFileSync(value)));
  const raw = /^[0-9a-f]{64}$/i.test(value)
    ? Buffer.from(value, "hex")
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, "base64")
      : undefined;
  if (value.includes("-----BEGIN")) return PublicKey.from(value);
  if (raw?.length !== 32) {
    throw new Failure(
      ExitCode.Usage,
      `"${value}" is neither a key file nor an Ed25519 public key (64 hex characters or base64 of 32 bytes)`,
      {
        reason: "bad_public_key",
        hints: ["`hermes keys generate` prints a public key and writes it to <name>.pub"],
      },
    );
  }
  return PublicKey.fromRaw(raw);
}

/** Public keys from a file of keys (one per line, # comments) or a directory of key files. */
export function readTrustedKeys(path: string): PublicKey[] {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter((f) => f.endsWith(".pub") || f.endsWith(".pem"))
      .sort()
      .map((f) => asKey(join(path, f), () => PublicKey.from(readFileSync(join(path, f)))));
  }
  const text = readFileSync(path, "utf8");
  if (text.includes("-----BEGIN")) return [asKey(path, () => PublicKey.from(text))];
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map(readPublicKey);
}

/**
 * The signing key: a file (wasmsign2 raw, PEM, DER), or the key itself in HERMES_SIGNING_KEY (PEM),
 * as CI secrets are.
 */
export function readSecretKey(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SecretKey {
  if (path !== undefined) return asKey(path, () => SecretKey.from(readFileSync(path)));
  if (env.HERMES_SIGNING_KEY)
    return asKey("HERMES_SIGNING_KEY", () => SecretKey.from(env.HERMES_SIGNING_KEY!));
  throw new Failure(
    ExitCode.Usage,
    "no signing key: pass --key <secret key file> or set HERMES_SIGNING_KEY to the key (PEM)",
    {
      reason: "usage",
      field: "key",
      hints: ["create one with `hermes keys generate`"],
    },
  );
}

/**
 * A key that does not parse is a usage error (exit 2) naming where it came from, not a signature
 * failure.
 */
function asKey<K>(source: string, read: () => K): K {
  try {
    return read();
  } catch (reason) {
    if (!(reason instanceof SignatureError)) throw reason;
    throw new Failure(ExitCode.Usage, `${source}: ${reason.message}`, {
      reason: "bad_key",
      hints: ["`hermes keys generate` writes keys in a format every command reads"],
    });
  }
}

/** How the CLI prints a public key: base64 of the raw 32 bytes (short enough to paste). */
export function publicKeyText(key: PublicKey): string {
  return Buffer.from(key.raw).toString("base64");
}

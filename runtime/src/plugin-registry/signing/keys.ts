import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { SignatureError } from "./signature-error.js";

/** wasmsign2's one-byte key type prefixes (ED25519_PK_ID, ED25519_SK_ID). */
export const ed25519PublicKeyPrefix = 0x01;
export const ed25519SecretKeyPrefix = 0x81;

// DER prefixes of Ed25519 keys (RFC 8410): SPKI for the 32-byte public key,
// PKCS#8 for the 32-byte seed. With them node:crypto imports raw keys.
const spkiPrefix = Buffer.from("302a300506032b6570032100", "hex");
const pkcs8Prefix = Buffer.from("302e020100300506032b657004220420", "hex");

/** An Ed25519 public key of a plugin publisher. */
export class PublicKey {
  /** The raw 32-byte key. */
  readonly raw: Uint8Array;
  /** Hermes' key id: the first 16 hex characters of SHA-256(raw key). */
  readonly id: string;
  readonly keyObject: KeyObject;

  private constructor(raw: Uint8Array, keyObject: KeyObject) {
    this.raw = raw;
    this.keyObject = keyObject;
    this.id = createHash("sha256").update(raw).digest("hex").slice(0, 16);
  }

  static fromRaw(raw: Uint8Array): PublicKey {
    if (raw.length !== 32)
      throw new SignatureError("malformed", `an Ed25519 public key is 32 bytes, got ${raw.length}`);
    const keyObject = createPublicKey({
      key: Buffer.concat([spkiPrefix, raw]),
      format: "der",
      type: "spki",
    });
    return new PublicKey(Uint8Array.from(raw), keyObject);
  }

  /**
   * Reads a public key in any format we know: wasmsign2's raw form (0x01 then
   * 32 bytes), a bare 32-byte key, DER SPKI, PEM ("BEGIN PUBLIC KEY"), or an
   * OpenSSH line ("ssh-ed25519 AAAA… comment", as wasmsign2 `--ssh` reads).
   */
  static from(data: Uint8Array | string): PublicKey {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    if (bytes.length === 33 && bytes[0] === ed25519PublicKeyPrefix)
      return PublicKey.fromRaw(bytes.subarray(1));
    if (bytes.length === 32) return PublicKey.fromRaw(bytes);
    const text = bytes.toString("utf8");
    const ssh = /^\s*ssh-ed25519\s+([A-Za-z0-9+/=]+)/.exec(text);
    if (ssh) return fromOpenSsh(Buffer.from(ssh[1], "base64"));
    try {
      const keyObject = text.includes("-----BEGIN")
        ? createPublicKey({ key: text, format: "pem" })
        : createPublicKey({ key: bytes, format: "der", type: "spki" });
      return fromKeyObject(keyObject);
    } catch (reason) {
      if (reason instanceof SignatureError) throw reason;
      throw new SignatureError(
        "malformed",
        "not an Ed25519 public key: expected wasmsign2 raw (0x01 + 32 bytes), 32 raw bytes, DER SPKI or PEM",
        { cause: reason },
      );
    }
  }

  /** wasmsign2's file format: 0x01 followed by the 32-byte key. */
  toWasmsign2(): Uint8Array {
    return Uint8Array.of(ed25519PublicKeyPrefix, ...this.raw);
  }

  toPem(): string {
    return this.keyObject.export({ format: "pem", type: "spki" }).toString();
  }

  /**
   * The key id wasmsign2 attaches by default (`attach_default_key_id`):
   * HMAC-SHA256 keyed by the public key over "key_id", first 12 bytes.
   */
  wasmsign2KeyId(): Uint8Array {
    return Uint8Array.from(
      createHmac("sha256", this.raw).update("key_id").digest().subarray(0, 12),
    );
  }

  equals(other: PublicKey): boolean {
    return Buffer.from(this.raw).equals(Buffer.from(other.raw));
  }
}

/** An Ed25519 signing key. Keep it out of logs and repositories. */
export class SecretKey {
  readonly publicKey: PublicKey;
  readonly keyObject: KeyObject;
  readonly #seed: Uint8Array;

  private constructor(seed: Uint8Array) {
    if (seed.length !== 32)
      throw new SignatureError(
        "malformed",
        `an Ed25519 secret key seed is 32 bytes, got ${seed.length}`,
      );
    this.#seed = Uint8Array.from(seed);
    this.keyObject = createPrivateKey({
      key: Buffer.concat([pkcs8Prefix, seed]),
      format: "der",
      type: "pkcs8",
    });
    this.publicKey = fromKeyObject(createPublicKey(this.keyObject));
  }

  static fromSeed(seed: Uint8Array): SecretKey {
    return new SecretKey(seed);
  }

  /**
   * Reads a secret key: wasmsign2's raw form (0x81, then the 64-byte
   * seed ‖ public key), DER PKCS#8, or PEM ("BEGIN PRIVATE KEY").
   */
  static from(data: Uint8Array | string): SecretKey {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    if (bytes.length === 65 && bytes[0] === ed25519SecretKeyPrefix) {
      const key = new SecretKey(bytes.subarray(1, 33));
      if (!Buffer.from(key.publicKey.raw).equals(bytes.subarray(33))) {
        throw new SignatureError(
          "malformed",
          "wasmsign2 secret key: the embedded public key does not match the seed",
        );
      }
      return key;
    }
    try {
      const text = bytes.toString("utf8");
      const keyObject = text.includes("-----BEGIN")
        ? createPrivateKey({ key: text, format: "pem" })
        : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
      if (keyObject.asymmetricKeyType !== "ed25519")
        throw new Error(`a ${keyObject.asymmetricKeyType} key`);
      const jwk = keyObject.export({ format: "jwk" });
      return new SecretKey(Buffer.from(jwk.d!, "base64url"));
    } catch (reason) {
      throw new SignatureError(
        "malformed",
        `not an Ed25519 secret key (expected wasmsign2 raw 0x81 + 64 bytes, DER PKCS#8 or PEM): ${(reason as Error).message}`,
        { cause: reason },
      );
    }
  }

  /** wasmsign2's file format: 0x81, the 32-byte seed, the 32-byte public key. */
  toWasmsign2(): Uint8Array {
    return Uint8Array.of(ed25519SecretKeyPrefix, ...this.#seed, ...this.publicKey.raw);
  }

  toPem(): string {
    return this.keyObject.export({ format: "pem", type: "pkcs8" }).toString();
  }
}

export interface KeyPair {
  readonly publicKey: PublicKey;
  readonly secretKey: SecretKey;
}

/** A fresh Ed25519 key pair from node:crypto's CSPRNG. */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const secretKey = SecretKey.fromSeed(
    Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url"),
  );
  return { publicKey: secretKey.publicKey, secretKey };
}

/**
 * The OpenSSH wire form: string "ssh-ed25519", string key (each a uint32 BE length, then bytes).
 */
function fromOpenSsh(blob: Buffer): PublicKey {
  const fields: Buffer[] = [];
  for (let at = 0; at + 4 <= blob.length && fields.length < 2; ) {
    const length = blob.readUInt32BE(at);
    fields.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (fields.length !== 2 || fields[0].toString() !== "ssh-ed25519" || fields[1].length !== 32) {
    throw new SignatureError("malformed", "not an OpenSSH Ed25519 public key");
  }
  return PublicKey.fromRaw(fields[1]);
}

function fromKeyObject(keyObject: KeyObject): PublicKey {
  if (keyObject.asymmetricKeyType !== "ed25519") {
    throw new SignatureError(
      "malformed",
      `expected an Ed25519 key, got ${keyObject.asymmetricKeyType ?? "an unknown key type"}`,
    );
  }
  return PublicKey.fromRaw(Buffer.from(keyObject.export({ format: "jwk" }).x!, "base64url"));
}

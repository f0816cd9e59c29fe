import { ByteReader, ByteWriter } from "../../wasm/leb128.js";
import { SignatureError } from "./signature-error.js";

/**
 * The payload of wasmsign2's `signature` custom section (spec version 1):
 *
 *   SignatureData   = spec_version:u8(0x01) content_type:u8(0x01 = wasm module)
 *                     hash_fn:u8(0x01 = SHA-256)
 *                     count:varuint32 (varuint32-length-prefixed SignedHashes)*
 *   SignedHashes    = count:varuint32 (hash:32 bytes)*
 *                     count:varuint32 (varuint32-length-prefixed SignatureForHashes)*
 *   SignatureForHashes = key_id:(varuint32-length-prefixed bytes, empty = none)
 *                     alg_id:u8(0x01 = Ed25519) signature:(varuint32-length-prefixed, 64 bytes)
 *
 * Each signature signs "wasmsig" ‖ 0x01 ‖ 0x01 ‖ 0x01 ‖ hash₁ ‖ … ‖ hashₙ.
 */
export const signatureSectionName = "signature";
export const specVersion = 0x01;
export const wasmModuleContentType = 0x01;
export const sha256HashFunction = 0x01;
export const ed25519AlgorithmId = 0x01;
const signatureDomain = "wasmsig";
/** wasmsign2's limits (MAX_HASHES, MAX_SIGNATURES), so we refuse what it refuses. */
const maxHashes = 64;
const maxSignatures = 256;
const hashLength = 32;

export interface SignatureForHashes {
  readonly keyId?: Uint8Array;
  readonly algorithmId: number;
  readonly signature: Uint8Array;
}

export interface SignedHashes {
  readonly hashes: readonly Uint8Array[];
  readonly signatures: readonly SignatureForHashes[];
}

export interface SignatureData {
  readonly specVersion: number;
  readonly contentType: number;
  readonly hashFunction: number;
  readonly signedHashesSet: readonly SignedHashes[];
}

export function encodeSignatureData(data: SignatureData): Uint8Array {
  const out = new ByteWriter()
    .u32(data.specVersion)
    .u32(data.contentType)
    .u32(data.hashFunction)
    .u32(data.signedHashesSet.length);
  for (const set of data.signedHashesSet) {
    const inner = new ByteWriter().u32(set.hashes.length);
    for (const hash of set.hashes) inner.bytes(hash);
    inner.u32(set.signatures.length);
    for (const signature of set.signatures) {
      inner.slice(
        new ByteWriter()
          .slice(signature.keyId ?? new Uint8Array(0))
          .u8(signature.algorithmId)
          .slice(signature.signature)
          .finish(),
      );
    }
    out.slice(inner.finish());
  }
  return out.finish();
}

/**
 * Decodes a signature section's payload. Like wasmsign2, a signature entry
 * with an algorithm other than Ed25519 is skipped rather than fatal (another
 * signer may use something else), and bytes after the last entry are ignored.
 */
export function decodeSignatureData(payload: Uint8Array): SignatureData {
  try {
    const reader = new ByteReader(payload);
    const version = oneByte(reader, "spec version");
    if (version !== specVersion)
      throw new RangeError(`unsupported signature spec version 0x${hex2(version)} (expected 0x01)`);
    const contentType = oneByte(reader, "content type");
    if (contentType !== wasmModuleContentType)
      throw new RangeError(
        `unsupported content type 0x${hex2(contentType)} (expected 0x01, a wasm module)`,
      );
    const hashFunction = oneByte(reader, "hash function");
    if (hashFunction !== sha256HashFunction)
      throw new RangeError(
        `unsupported hash function 0x${hex2(hashFunction)} (expected 0x01, SHA-256)`,
      );
    const setCount = bounded(reader.u32("signed hash set count"), maxHashes, "signed hash sets");
    const signedHashesSet: SignedHashes[] = [];
    for (let i = 0; i < setCount; i++)
      signedHashesSet.push(decodeSignedHashes(reader.slice(`signed hash set ${i}`)));
    return { specVersion: version, contentType, hashFunction, signedHashesSet };
  } catch (reason) {
    if (reason instanceof SignatureError) throw reason;
    throw new SignatureError(
      "malformed",
      `malformed signature section: ${(reason as Error).message}`,
      { cause: reason },
    );
  }
}

function decodeSignedHashes(bytes: Uint8Array): SignedHashes {
  const reader = new ByteReader(bytes);
  const hashCount = bounded(reader.u32("hash count"), maxHashes, "hashes");
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < hashCount; i++) hashes.push(reader.take(hashLength, `hash ${i}`));
  const signatureCount = bounded(reader.u32("signature count"), maxSignatures, "signatures");
  const signatures: SignatureForHashes[] = [];
  for (let i = 0; i < signatureCount; i++) {
    const entry = new ByteReader(reader.slice(`signature ${i}`));
    try {
      const keyId = entry.slice("key id");
      const algorithmId = entry.u8("algorithm id");
      const signature = entry.slice("signature");
      if (algorithmId === ed25519AlgorithmId)
        signatures.push({ keyId: keyId.length > 0 ? keyId : undefined, algorithmId, signature });
    } catch {
      // wasmsign2 drops entries it cannot decode and keeps the others.
    }
  }
  return { hashes, signatures };
}

/** The bytes an Ed25519 signature covers for a set of hashes. */
export function signedMessage(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new ByteWriter()
    .bytes(new TextEncoder().encode(signatureDomain))
    .u8(specVersion)
    .u8(wasmModuleContentType)
    .u8(sha256HashFunction);
  for (const hash of hashes) out.bytes(hash);
  return out.finish();
}

/** wasmsign2 reads the header fields as one-byte varints (`get7`). */
function oneByte(reader: ByteReader, what: string): number {
  const byte = reader.u8(what);
  if (byte & 0x80) throw new RangeError(`${what} does not fit in one byte`);
  return byte;
}

function bounded(count: number, max: number, what: string): number {
  if (count > max) throw new RangeError(`${count} ${what}, more than the ${max} wasmsign2 accepts`);
  return count;
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, "0");
}

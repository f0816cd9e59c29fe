import { createHash, sign as ed25519Sign, verify as ed25519Verify } from "node:crypto";
import type { PublicKey, SecretKey } from "./keys.js";
import {
  decodeSignatureData,
  ed25519AlgorithmId,
  encodeSignatureData,
  sha256HashFunction,
  signatureSectionName,
  signedMessage,
  specVersion,
  wasmModuleContentType,
  type SignatureData,
  type SignedHashes,
} from "./signature-data.js";
import {
  customSectionId,
  encodeSection,
  headerLength,
  type WasmSection,
} from "../../wasm/module-sections.js";
import { parseModule } from "./wasm-module.js";
import { SignatureError } from "./signature-error.js";

export interface SignOptions {
  /**
   * Key id stored beside the signature (wasmsign2's optional key_id), e.g.
   * `publicKey.wasmsign2KeyId()`. Default: none; verifiers try every key
   * they trust either way.
   */
  readonly keyId?: Uint8Array;
}

/**
 * Signs a module the way wasmsign2's `sign_multi` does: the sections after
 * any existing signature section are re-encoded canonically and hashed with
 * SHA-256; the signature over that hash joins the signatures already there
 * (the same hash set if the content is unchanged, a new set otherwise), and
 * the `signature` custom section is written first in the module.
 */
export function sign(
  wasm: Uint8Array,
  secretKey: SecretKey,
  options: SignOptions = {},
): Uint8Array {
  const { header, sections } = parseModule(wasm);
  const existing =
    sections[0] !== undefined && isSignatureSection(sections[0])
      ? decodeSignatureData(sections[0].payload)
      : undefined;
  // Like wasmsign2, a signature section that is not first is dropped: it
  // would otherwise be covered by (and break) the hash.
  const content = sections.filter((s) => !isSignatureSection(s)).flatMap(encodeSection);
  const hash = sha256(content);
  const signature = new Uint8Array(ed25519Sign(null, signedMessage([hash]), secretKey.keyObject));
  const entry = {
    keyId: options.keyId && options.keyId.length > 0 ? options.keyId : undefined,
    algorithmId: ed25519AlgorithmId,
    signature,
  };

  const sets: SignedHashes[] = [...(existing?.signedHashesSet ?? [])];
  const same = sets.findIndex((set) => set.hashes.length === 1 && equalBytes(set.hashes[0], hash));
  if (same >= 0) {
    // Ed25519 is deterministic: the same key signing the same content again
    // would only add a duplicate.
    if (sets[same].signatures.some((s) => equalBytes(s.signature, signature)))
      return rebuild(header, existing!, content);
    sets[same] = { hashes: sets[same].hashes, signatures: [...sets[same].signatures, entry] };
  } else {
    sets.push({ hashes: [hash], signatures: [entry] });
  }
  const data: SignatureData = {
    specVersion,
    contentType: wasmModuleContentType,
    hashFunction: sha256HashFunction,
    signedHashesSet: sets,
  };
  return rebuild(header, data, content);
}

export interface VerifiedSignature {
  /** The trusted keys whose signatures verified, in the order given. */
  readonly signers: readonly PublicKey[];
  /** Hex SHA-256 of the signed content (the module after its signature section). */
  readonly contentHash: string;
}

/**
 * Verifies a module against a set of public keys, like wasmsign2's
 * `PublicKeySet::verify`: the module's first section must be the signature
 * section; the SHA-256 of every byte after it must be one of the signed
 * hashes; and at least one signature over those hashes must verify with one
 * of the keys. Throws a SignatureError saying which of these failed; when
 * none verifies, a signature carrying a key's wasmsign2 key id is reported
 * as that key's signature, altered ("invalid"), not as a stranger's.
 */
export function verify(wasm: Uint8Array, publicKeys: readonly PublicKey[]): VerifiedSignature {
  const { sections } = parseModule(wasm);
  const first = sections[0];
  if (first === undefined || !isSignatureSection(first)) {
    throw new SignatureError(
      "unsigned",
      'the module is not signed: it has no wasmsign2 "signature" custom section as its first section',
    );
  }
  const data = decodeSignatureData(first.payload);
  // Hash the bytes as they are (not re-encoded), exactly what wasmsign2 does.
  const contentHash = sha256([wasm.subarray(first.end)]);
  const covering = data.signedHashesSet.filter((set) =>
    set.hashes.some((h) => equalBytes(h, contentHash)),
  );
  if (covering.length === 0) {
    throw new SignatureError(
      "tampered",
      `the module was modified after signing: its SHA-256 ${hex(contentHash)} matches none of the signed hashes`,
    );
  }
  const signers = publicKeys.filter((key) => covering.some((set) => signedBy(set, key)));
  if (signers.length === 0) {
    const named = publicKeys.find((key) => covering.some((set) => namedIn(set, key)));
    if (named) {
      throw new SignatureError(
        "invalid",
        `the signature of trusted key ${named.id} does not verify: it was modified after signing (the module itself matches the signed hash)`,
      );
    }
    const count = covering.reduce((n, set) => n + set.signatures.length, 0);
    throw new SignatureError(
      "unknown_signer",
      `the module carries ${count} signature(s), none of them verifies with ${publicKeys.length === 0 ? "a trusted key (no keys given)" : `the ${publicKeys.length} trusted key(s) ${publicKeys.map((k) => k.id).join(", ")}`}`,
    );
  }
  return { signers, contentHash: hex(contentHash) };
}

/** The decoded signature section, or undefined for an unsigned module. */
export function readSignatures(wasm: Uint8Array): SignatureData | undefined {
  const first = parseModule(wasm).sections[0];
  return first !== undefined && isSignatureSection(first)
    ? decodeSignatureData(first.payload)
    : undefined;
}

/** The module without its signature section (every other byte unchanged). */
export function stripSignature(wasm: Uint8Array): Uint8Array {
  const first = parseModule(wasm).sections[0];
  if (first === undefined || !isSignatureSection(first)) return wasm;
  return concat([wasm.subarray(0, headerLength), wasm.subarray(first.end)]);
}

/**
 * Key ids are hints, not identity: like wasmsign2 verifying with a key that
 * has no id, every signature is tried with the key, so a signer's choice of
 * id (or none) cannot make a valid signature fail or an invalid one pass.
 */
function signedBy(set: SignedHashes, key: PublicKey): boolean {
  const message = signedMessage(set.hashes);
  return set.signatures.some(
    (s) => s.signature.length === 64 && ed25519Verify(null, message, key.keyObject, s.signature),
  );
}

/**
 * Whether a signature of the set carries the key's wasmsign2 key id. That
 * only says who claims to have signed: when no signature verifies, it tells
 * a trusted key's damaged signature from a stranger's.
 */
function namedIn(set: SignedHashes, key: PublicKey): boolean {
  const id = key.wasmsign2KeyId();
  return set.signatures.some((s) => s.keyId !== undefined && equalBytes(s.keyId, id));
}

function isSignatureSection(section: WasmSection): boolean {
  return section.id === customSectionId && section.name === signatureSectionName;
}

function rebuild(
  header: Uint8Array,
  data: SignatureData,
  content: readonly Uint8Array[],
): Uint8Array {
  const signatureSection = encodeSection({
    id: customSectionId,
    name: signatureSectionName,
    payload: encodeSignatureData(data),
  });
  return concat([header, ...signatureSection, ...content]);
}

function sha256(chunks: readonly Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return new Uint8Array(hash.digest());
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const joined = Buffer.concat(chunks);
  // A plain Uint8Array view of the same memory: callers compare and store
  // bytes, and a Buffer would not deep-equal a Uint8Array.
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.length);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

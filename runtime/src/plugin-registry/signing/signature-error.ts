/**
 * Why a module's signature did not verify:
 * - unsigned: no `signature` custom section first in the module;
 * - malformed: the module or its signature section cannot be decoded;
 * - tampered: the module's hash matches none of the signed hashes;
 * - unknown_signer: signatures cover the module, but none by a given key.
 */
export type SignatureFailure = "unsigned" | "malformed" | "tampered" | "unknown_signer";

export class SignatureError extends Error {
  override readonly name = "SignatureError";

  constructor(
    readonly failure: SignatureFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Why a module's signature did not verify:
 * - unsigned: no `signature` custom section first in the module;
 * - malformed: the module or its signature section cannot be decoded;
 * - tampered: the module's hash matches none of the signed hashes;
 * - invalid: a signature names a given key by its key id but does not verify
 *   with it: the signature was altered after signing;
 * - unknown_signer: signatures cover the module, but none verifies with a
 *   given key, and none names one.
 */
export type SignatureFailure = "unsigned" | "malformed" | "tampered" | "invalid" | "unknown_signer";

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

// JetStream's answer to a write whose expected revision (or absence) no longer holds.
const wrongLastSequence = 10071;

/** Whether a KV create/update or an expected-sequence publish lost to another writer. */
export function isConflict(reason: unknown): boolean {
  if (typeof reason !== "object" || reason === null) return false;
  const code = (reason as { code?: unknown }).code;
  if (code === wrongLastSequence) return true;
  return reason instanceof Error && /wrong last sequence/.test(reason.message);
}

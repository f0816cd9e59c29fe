import type { KumoResponse } from "./log-record.js";

/**
 * KumoMTA's bounce classifier assigns each failure a class
 * (bounce_classify::PreDefinedBounceClass, or a user-defined name). Hermes
 * adds the judgement senders act on: a *hard* bounce means the address is
 * bad and should be suppressed; a *soft* one says nothing against the
 * address (full mailbox, reputation block, content, timeout).
 */
export type BounceType = "hard" | "soft";

/** Classes that condemn the address itself. */
const hardClasses = new Set(["InvalidRecipient", "BadDomain", "InactiveMailbox"]);

/**
 * Hard when KumoMTA classified the address as invalid, unknown-domain or
 * inactive. An unclassified permanent failure with an RFC 3463 addressing
 * status (5.1.x: bad mailbox, bad domain, bad syntax) is hard too, so a
 * KumoMTA without classifier rules still gets the obvious cases right.
 */
export function bounceTypeOf(classification: string, response: KumoResponse): BounceType {
  if (hardClasses.has(classification)) return "hard";
  const enhanced = response.enhanced_code;
  if (
    classification === "Uncategorized" &&
    response.code >= 500 &&
    enhanced?.class === 5 &&
    enhanced.subject === 1
  )
    return "hard";
  return "soft";
}

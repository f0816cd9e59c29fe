/**
 * What happens to a message in the simulator, chosen by the recipient's
 * local part (the part before any "+tag"), so a test picks its scenario by
 * address: `permfail@example.com`, `tempfail-then-deliver+7@example.com`.
 * Any other recipient follows the configured mix (default: delivered).
 */
export type Step =
  | { readonly type: "TransientFailure" }
  | { readonly type: "Delivery" }
  | {
      readonly type: "Bounce";
      readonly code: number;
      readonly enhanced: readonly [number, number, number];
      readonly text: string;
      readonly classification: string;
    }
  | { readonly type: "Expiration" }
  | { readonly type: "Feedback" };

/** An SMTP refusal the listener answers with instead of accepting. */
export interface Refusal {
  readonly code: number;
  readonly text: string;
}

export interface Plan {
  readonly atRcpt?: Refusal;
  readonly atData?: Refusal;
  /**
   * The first attempt loses its connection after the data, before any reply (a crash or network
   * cut); later ones deliver.
   */
  readonly dropOnce?: boolean;
  /** Log records after Reception, in order. */
  readonly steps: readonly Step[];
}

/** Scenarios a configured mix can draw from, with their relative weights. */
export type Mix = Partial<
  Record<
    "deliver" | "permfail" | "quota" | "tempfail-then-deliver" | "expire" | "complaint",
    number
  >
>;

const transient: Step = { type: "TransientFailure" };
const delivery: Step = { type: "Delivery" };

const scenarios: Readonly<Record<string, Plan>> = {
  deliver: { steps: [delivery] },
  permfail: {
    steps: [
      {
        type: "Bounce",
        code: 550,
        enhanced: [5, 1, 1],
        text: "The email account that you tried to reach does not exist",
        classification: "InvalidRecipient",
      },
    ],
  },
  quota: {
    steps: [
      transient,
      {
        type: "Bounce",
        code: 552,
        enhanced: [5, 2, 2],
        text: "The recipient's mailbox is full",
        classification: "QuotaIssues",
      },
    ],
  },
  "tempfail-then-deliver": { steps: [transient, transient, delivery] },
  tempfail: { steps: [transient, transient, transient, { type: "Expiration" }] },
  expire: { steps: [transient, { type: "Expiration" }] },
  complaint: { steps: [delivery, { type: "Feedback" }] },
  "reject-rcpt": { atRcpt: { code: 550, text: "5.1.1 recipient rejected by policy" }, steps: [] },
  "reject-rcpt-temp": {
    atRcpt: { code: 451, text: "4.7.1 recipient temporarily deferred by policy, try later" },
    steps: [],
  },
  "reject-data": {
    atData: { code: 554, text: "5.7.1 message content rejected by policy" },
    steps: [],
  },
  "drop-once": { dropOnce: true, steps: [delivery] },
  "reject-data-temp": {
    atData: { code: 451, text: "4.3.0 temporary failure while spooling, try later" },
    steps: [],
  },
};

/** The plan for a recipient: its local part's scenario, else a draw from the mix. */
export function planFor(
  recipient: string,
  mix: Mix | undefined,
  random: () => number = Math.random,
): Plan {
  const local = recipient.slice(0, recipient.lastIndexOf("@")).split("+")[0].toLowerCase();
  const named = scenarios[local];
  if (named) return named;
  if (!mix) return scenarios.deliver;
  const entries = Object.entries(mix).filter(([, weight]) => (weight ?? 0) > 0) as Array<
    [string, number]
  >;
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [name, weight] of entries) {
    draw -= weight;
    if (draw < 0) return scenarios[name];
  }
  return scenarios.deliver;
}

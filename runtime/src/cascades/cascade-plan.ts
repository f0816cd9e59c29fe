import { create } from "@bufbuild/protobuf";
import type { CascadeStepConfig } from "../config/tenant-config.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import {
  type Address,
  type CascadeStep,
  CascadeStepSchema,
  Channel,
  type Content,
  ContentSchema,
  type Message,
  MessageSchema,
} from "../gen/hermes/v1/message_pb.js";
import { type ValidationLimits, validateMessage } from "../router/validation.js";
import type { StepError } from "./cascade-rules.js";

/** A cascade made concrete: every step with its address, or why it is skipped. */
export interface CascadePlan {
  readonly steps: readonly CascadeStep[];
  /** Steps that cannot run (no address of their channel's kind), by index. */
  readonly skipped: ReadonlyMap<number, StepError>;
}

/** Steps a cascade may have. */
export const maxSteps = 10;

/** The address kind each channel sends to. */
const kindOf: Readonly<Record<Channel, Address["kind"]["case"]>> = {
  [Channel.UNSPECIFIED]: undefined,
  [Channel.SMS]: "phone",
  [Channel.EMAIL]: "email",
  [Channel.PUSH]: "deviceToken",
  [Channel.CHAT]: "chatId",
  [Channel.WEBHOOK]: "url",
};

/**
 * Makes a cascade message's steps concrete, or refuses it (INVALID_ARGUMENT
 * naming the field, relative to the message). Inline steps are taken as
 * they are; a policy's steps come from the tenant's config. A step without
 * its own address takes the first of the message's `to` and
 * `cascade.addresses` whose kind fits its channel; an inline step with none
 * is refused, a policy step with none is skipped (a policy is written for
 * recipients who do not all have every channel). Each step's message is
 * checked as a Send of it would be, so a cascade that is accepted can start
 * every step it has.
 */
export function planCascade(
  message: Message,
  policies: Readonly<Record<string, readonly CascadeStepConfig[]>>,
  limits: ValidationLimits,
): CascadePlan {
  const cascade = message.cascade!;
  if (message.channel !== Channel.UNSPECIFIED)
    throw invalid("channel", "must be unset on a cascade: each step names its channel");
  if (cascade.policy && cascade.steps.length > 0)
    throw invalid("cascade", "names a policy or lists steps, not both");
  let given: readonly CascadeStep[] = cascade.steps;
  if (cascade.policy) {
    const policy = policies[cascade.policy];
    if (!policy)
      throw invalid(
        "cascade.policy",
        `is not one of the tenant's cascade policies (${Object.keys(policies).join(", ") || "none"})`,
      );
    given = policy.map((step) =>
      create(CascadeStepSchema, { channel: step.channel, timeoutSeconds: step.timeoutSeconds }),
    );
  }
  if (given.length === 0) throw invalid("cascade.steps", "needs at least one step, or a policy");
  if (given.length > maxSteps) throw invalid("cascade.steps", `has at most ${maxSteps} steps`);
  const addresses = [message.to, ...cascade.addresses].filter((a): a is Address => !!a?.kind.case);
  const skipped = new Map<number, StepError>();
  const steps = given.map((step, i) => {
    const at = `cascade.steps[${i}]`;
    if (step.channel === Channel.UNSPECIFIED || Channel[step.channel] === undefined)
      throw invalid(`${at}.channel`, "must be one of SMS, EMAIL, PUSH, CHAT, WEBHOOK");
    const to = step.to?.kind.case
      ? step.to
      : addresses.find((a) => a.kind.case === kindOf[step.channel]);
    if (!to) {
      const why = `no ${protoName(kindOf[step.channel])} among the message's addresses for ${Channel[step.channel]}`;
      if (!cascade.policy) throw invalid(`${at}.to`, `is unset and there is ${why}`);
      skipped.set(i, { code: ErrorCode.INVALID_ARGUMENT, message: why });
      return step;
    }
    const planned = create(CascadeStepSchema, { ...step, to });
    try {
      // Sizes are checked on the parent's body here, and on each step's message as it starts.
      validateMessage(stepMessage(message, planned, i), 0, limits);
    } catch (reason) {
      throw prefixed(reason, at);
    }
    return planned;
  });
  if (skipped.size === steps.length)
    throw invalid("cascade.addresses", `hold no address for any step of policy ${cascade.policy}`);
  return { steps, skipped };
}

/**
 * The message of one step (index from 0): its channel and address, the
 * step's content or as much of the parent's as the channel carries, the
 * parent's sender when its kind fits, and the parent's metadata, priority,
 * expiry, time zone and quiet-hours choice. Its idempotency key makes
 * starting the step again (after a restart) return the same message.
 */
export function stepMessage(parent: Message, step: CascadeStep, index: number): Message {
  const fromFits = parent.from?.kind.case === kindOf[step.channel];
  return create(MessageSchema, {
    channel: step.channel,
    to: step.to,
    from: step.from?.kind.case ? step.from : fromFits ? parent.from : undefined,
    content: step.content ?? fitted(parent.content, step.channel),
    metadata: parent.metadata,
    priority: parent.priority,
    expiresAt: parent.expiresAt,
    timeZone: parent.timeZone,
    ignoreQuietHours: parent.ignoreQuietHours,
    idempotencyKey: `cascade:${parent.id}:${index + 1}`,
    parentId: parent.id,
    cascadeStep: index + 1,
  });
}

/** What of a content a channel carries: SMS text, push text and title, chat text and media. */
function fitted(content: Content | undefined, channel: Channel): Content | undefined {
  if (!content) return undefined;
  switch (channel) {
    case Channel.SMS:
      return create(ContentSchema, { text: content.text, template: content.template });
    case Channel.PUSH:
      return create(ContentSchema, {
        text: content.text,
        subject: content.subject,
        template: content.template,
      });
    case Channel.CHAT:
      return create(ContentSchema, {
        text: content.text,
        template: content.template,
        attachments: content.attachments,
      });
    default:
      return content;
  }
}

/** A step's own fields are named under the step; the message's own (metadata, priority...) as they are. */
function prefixed(reason: unknown, at: string): HermesError {
  const error = HermesError.from(reason);
  if (
    error.code !== ErrorCode.INVALID_ARGUMENT ||
    !/^(to|from|content|channel)\b/.test(error.field)
  )
    return error;
  return new HermesError(ErrorCode.INVALID_ARGUMENT, `${at}.${error.rawMessage}`, {
    field: `${at}.${error.field}`,
  });
}

function protoName(kind: string | undefined): string {
  return (kind ?? "").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function invalid(field: string, reason: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, `${field} ${reason}`, { field });
}

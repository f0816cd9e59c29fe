import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { CascadeStepConfig } from "../config/tenant-config.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import {
  CascadeSchema,
  type CascadeStep,
  Channel,
  type Message,
  MessageSchema,
  MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import type { ValidationLimits } from "../router/validation.js";
import { planSend } from "../scheduling/send-plan.js";
import type { CascadeRecord } from "../store/cascade-store.js";
import { newMessageId } from "../store/ids.js";
import type { NewMessage } from "../store/message-store.js";
import { planCascade, stepMessage } from "./cascade-plan.js";
import { type CascadeProgress, stepStarted } from "./cascade-rules.js";

/** A cascade as it is stored: its parent message, its record and its planned steps. */
export interface PreparedCascade {
  readonly parent: NewMessage;
  readonly record: CascadeRecord;
  readonly steps: readonly CascadeStep[];
  /** The first step's message, to go with the parent (its record already names it). */
  readonly first?: { readonly step: number; readonly message: Message };
}

/**
 * Turns a Send that carries a cascade into what is stored: the parent (no
 * route; ACCEPTED, or QUEUED until its send_at; the caller's values for what
 * the gateway owns replaced), the cascade's record, and, for a parent that
 * starts at once and cannot turn out to be a duplicate (no idempotency key),
 * its first step's message with its id, named by the record and by the
 * parent's first event, so that both go in one commit. Throws
 * INVALID_ARGUMENT for a cascade that cannot run (cascade-plan.ts).
 */
export function prepareCascade(
  tenant: string,
  message: Message,
  policies: Readonly<Record<string, readonly CascadeStepConfig[]>>,
  limits: ValidationLimits,
  now: number,
): PreparedCascade {
  const plan = planCascade(message, policies, limits);
  const later = planSend(message, undefined, now);
  const body = toBinary(MessageSchema, message);
  if (body.byteLength > limits.maxMessageBytes)
    throw new HermesError(
      ErrorCode.INVALID_ARGUMENT,
      `message is ${body.byteLength} bytes, more than the limit of ${limits.maxMessageBytes}`,
    );
  message.id = newMessageId(now);
  message.tenant = tenant;
  message.route = "";
  message.status = later ? MessageStatus.QUEUED : MessageStatus.ACCEPTED;
  message.attempts = 0;
  message.providerMessageId = "";
  message.error = undefined;
  message.createdAt = timestampFromMs(now);
  message.updatedAt = message.createdAt;
  message.nextAttemptAt = later && timestampFromMs(later.at);
  let progress: CascadeProgress = {
    startAt: later?.at ?? 0,
    done: false,
    steps: plan.steps.map((_, i) => {
      const error = plan.skipped.get(i);
      return error ? { state: "skipped" as const, error } : { state: "pending" as const };
    }),
  };
  const detail: Record<string, string> = { cascade_steps: String(plan.steps.length) };
  if (message.cascade?.policy) detail.cascade_policy = message.cascade.policy;
  if (later) detail.scheduled = "send_at";
  let first: PreparedCascade["first"];
  if (!later && !message.idempotencyKey) {
    const step = progress.steps.findIndex((s) => s.state === "pending");
    first = { step, message: stepMessage(message, plan.steps[step]!, step) };
    first.message.id = newMessageId(now);
    progress = stepStarted(progress, step, first.message.id, undefined);
    Object.assign(detail, stepDetail(step, plan.steps[step]!, first.message.id));
  }
  const record: CascadeRecord = {
    parentId: message.id,
    tenant,
    plan: toBinary(CascadeSchema, create(CascadeSchema, { steps: [...plan.steps] })),
    progress,
  };
  return { parent: { message, body, detail }, record, steps: plan.steps, first };
}

/** How the parent's events name a step as it starts. */
export function stepDetail(
  step: number,
  planned: CascadeStep,
  messageId: string,
): Record<string, string> {
  return {
    cascade_step: String(step + 1),
    step_channel: Channel[planned.channel],
    step_message_id: messageId,
  };
}

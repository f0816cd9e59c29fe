import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { errorDetail } from "../errors/hermes-error.js";
import {
  type Cascade,
  type CascadeProgress as CascadeProgressMessage,
  CascadeProgressSchema,
  CascadeStepState,
  type MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import type { CascadeProgress, StepState } from "./cascade-rules.js";

const states: Readonly<Record<StepState, CascadeStepState>> = {
  pending: CascadeStepState.PENDING,
  running: CascadeStepState.RUNNING,
  delivered: CascadeStepState.DELIVERED,
  failed: CascadeStepState.FAILED,
  timed_out: CascadeStepState.TIMED_OUT,
  skipped: CascadeStepState.SKIPPED,
  cancelled: CascadeStepState.CANCELLED,
};

/** A cascade's chain as GetMessage shows it: each planned step, where it stands, its message and that message's status. */
export function chainOf(
  parentId: string,
  plan: Cascade,
  progress: CascadeProgress,
  statuses: ReadonlyMap<string, MessageStatus>,
): CascadeProgressMessage {
  return create(CascadeProgressSchema, {
    parentId,
    steps: plan.steps.map((step, i) => {
      const at = progress.steps[i] ?? { state: "pending" };
      return {
        step: i + 1,
        channel: step.channel,
        to: step.to,
        timeoutSeconds: step.timeoutSeconds,
        state: states[at.state],
        messageId: at.messageId ?? "",
        status: (at.messageId && statuses.get(at.messageId)) || at.status,
        deadline: at.deadlineAt === undefined ? undefined : timestampFromMs(at.deadlineAt),
        error: at.error && errorDetail(at.error.code, at.error.message, { retryable: false }),
      };
    }),
  });
}

import { ErrorCode } from "../gen/hermes/v1/error_pb.js";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";

/** Where a step stands (hermes.v1.CascadeStepState, in the store's words). */
export type StepState =
  | "pending"
  | "running"
  | "delivered"
  | "failed"
  | "timed_out"
  | "skipped"
  | "cancelled";

/** Why a step failed or was skipped, as the record keeps it. */
export interface StepError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** One step of a cascade as its record keeps it. */
export interface StepProgress {
  readonly state: StepState;
  /** The step's message, once the step started. */
  readonly messageId?: string;
  /** When a running step's time runs out (ms since the epoch); absent: no timeout. */
  readonly deadlineAt?: number;
  /** The status its message ended with, once it did (also after the step timed out). */
  readonly status?: MessageStatus;
  readonly error?: StepError;
}

/** A cascade's progress: its steps, and whether its outcome is decided. */
export interface CascadeProgress {
  /** When the next pending step is to start (ms since the epoch); 0: at once. */
  readonly startAt: number;
  readonly steps: readonly StepProgress[];
  readonly done: boolean;
}

/** What the engine must do after a decision. */
export type CascadeAction =
  | { readonly type: "start"; readonly step: number; readonly reason: string }
  /** Cancel a step's message if it has not left (a refusal is fine: its outcome becomes history). */
  | { readonly type: "cancel"; readonly messageId: string }
  /** The parent's outcome. */
  | {
      readonly type: "finish";
      readonly status: MessageStatus;
      readonly error?: StepError;
      readonly step?: number;
    };

export interface Decision {
  readonly progress: CascadeProgress;
  readonly actions: readonly CascadeAction[];
}

/*
 * The rules of a cascade, pure: each function takes the progress as stored
 * and an event, and returns the progress to store and what to do. The
 * engine (cascade-engine.ts) runs them one event at a time per cascade.
 *
 * - The first step that is not skipped starts when the cascade is due.
 * - A step whose message fails (FAILED, EXPIRED, REJECTED) moves on to the
 *   next pending step; one whose time runs out does too, and its message is
 *   cancelled if it has not left.
 * - A step delivered decides the cascade: DELIVERED. Every other step is
 *   stopped: pending ones are cancelled, messages of running or timed-out
 *   ones are cancelled if they have not left.
 * - A late outcome of a timed-out step is history: a failure starts nothing;
 *   a delivery, while the cascade is undecided, decides it.
 * - With no step left to start, the cascade waits for timed-out steps still
 *   on their way (one may yet be delivered), then fails with its last failed
 *   step's status and error.
 * - Once decided, outcomes of steps still on their way are recorded on them
 *   and change nothing else.
 */

/** The cascade is due: its first (or next) pending step starts. */
export function begin(progress: CascadeProgress, reason = "the cascade started"): Decision {
  if (progress.done || progress.steps.some((s) => s.state === "running"))
    return { progress, actions: [] };
  const next = nextPending(progress, -1);
  if (next < 0) return settle(progress);
  return { progress, actions: [{ type: "start", step: next, reason }] };
}

/** A step's message was accepted: the step runs, until `deadlineAt` when it has a timeout. */
export function stepStarted(
  progress: CascadeProgress,
  step: number,
  messageId: string,
  deadlineAt: number | undefined,
): CascadeProgress {
  return withStep({ ...progress, startAt: 0 }, step, { state: "running", messageId, deadlineAt });
}

/** A step could not start for now (its route's queue was full): it is pending again, until `at`. */
export function startDeferred(
  progress: CascadeProgress,
  step: number,
  at: number,
): CascadeProgress {
  return withStep({ ...progress, startAt: at }, step, { state: "pending" });
}

/** Whether the step (its index) may get a timeout: a later step could take over from it. */
export function hasNext(progress: CascadeProgress, step: number): boolean {
  return nextPending(progress, step) >= 0;
}

/** A step's message reached a terminal status (or the step could not start at all). */
export function stepFinished(
  progress: CascadeProgress,
  step: number,
  status: MessageStatus,
  error: StepError | undefined,
): Decision {
  const current = progress.steps[step];
  if (!current || (current.state !== "running" && current.state !== "timed_out"))
    return { progress, actions: [] };
  const delivered = status === MessageStatus.DELIVERED;
  const cancelled = error?.code === ErrorCode.CANCELLED;
  const state: StepState =
    current.state === "timed_out"
      ? "timed_out"
      : delivered
        ? "delivered"
        : cancelled
          ? "cancelled"
          : "failed";
  const recorded = withStep(progress, step, {
    ...current,
    state,
    status,
    error,
    deadlineAt: undefined,
  });
  if (progress.done) return { progress: recorded, actions: [] };
  if (delivered) return deliver(recorded, step);
  if (current.state === "timed_out") return settle(recorded);
  const next = nextPending(recorded, step);
  if (next >= 0)
    return {
      progress: recorded,
      actions: [
        { type: "start", step: next, reason: `step ${step + 1} ended ${MessageStatus[status]}` },
      ],
    };
  return settle(recorded);
}

/** A running step's time ran out: it is left to its fate, and the next step starts. */
export function stepTimedOut(progress: CascadeProgress, step: number): Decision {
  const current = progress.steps[step];
  const next = nextPending(progress, step);
  if (progress.done || current?.state !== "running" || next < 0) return { progress, actions: [] };
  return {
    progress: withStep(progress, step, { ...current, state: "timed_out", deadlineAt: undefined }),
    actions: [
      { type: "cancel", messageId: current.messageId! },
      { type: "start", step: next, reason: `step ${step + 1} was not delivered in time` },
    ],
  };
}

/** The cascade was cancelled (its parent is REJECTED/CANCELLED): nothing more starts. */
export function cancelled(progress: CascadeProgress): Decision {
  return {
    progress: {
      ...progress,
      done: true,
      steps: progress.steps.map((s) => (s.state === "pending" ? { state: "cancelled" } : s)),
    },
    actions: cancelLeaving(progress, -1),
  };
}

/** The step whose deadline is due, if one is. */
export function dueStep(progress: CascadeProgress, now: number): number {
  return progress.steps.findIndex(
    (s) => s.state === "running" && s.deadlineAt !== undefined && s.deadlineAt <= now,
  );
}

function deliver(progress: CascadeProgress, step: number): Decision {
  return {
    progress: {
      ...progress,
      done: true,
      steps: progress.steps.map((s) => (s.state === "pending" ? { state: "cancelled" } : s)),
    },
    actions: [
      ...cancelLeaving(progress, step),
      { type: "finish", status: MessageStatus.DELIVERED, step },
    ],
  };
}

/** No step left to start: the cascade fails, once no timed-out step can still be delivered. */
function settle(progress: CascadeProgress): Decision {
  const waiting = progress.steps.some(
    (s) => s.state === "running" || (s.state === "timed_out" && s.status === undefined),
  );
  if (waiting) return { progress, actions: [] };
  let last = -1;
  progress.steps.forEach((s, i) => {
    if (s.status !== undefined || s.state === "failed") last = i;
  });
  const failed = progress.steps[last];
  return {
    progress: { ...progress, done: true },
    actions: [
      {
        type: "finish",
        status: failed?.status ?? MessageStatus.FAILED,
        error: failed?.error ?? progress.steps.find((s) => s.error)?.error,
        step: last >= 0 ? last : undefined,
      },
    ],
  };
}

/** Cancels for the messages of steps still on their way, but `except`. */
function cancelLeaving(progress: CascadeProgress, except: number): CascadeAction[] {
  const actions: CascadeAction[] = [];
  progress.steps.forEach((s, i) => {
    const onItsWay = s.state === "running" || (s.state === "timed_out" && s.status === undefined);
    if (i !== except && onItsWay && s.messageId)
      actions.push({ type: "cancel", messageId: s.messageId });
  });
  return actions;
}

function nextPending(progress: CascadeProgress, after: number): number {
  for (let i = after + 1; i < progress.steps.length; i++)
    if (progress.steps[i]!.state === "pending") return i;
  return -1;
}

function withStep(progress: CascadeProgress, step: number, value: StepProgress): CascadeProgress {
  return { ...progress, steps: progress.steps.map((s, i) => (i === step ? value : s)) };
}

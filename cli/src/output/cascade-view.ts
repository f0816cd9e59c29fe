import { ux } from "@oclif/core";
import {
  type CascadeProgress,
  type CascadeStepProgress,
  CascadeStepState,
} from "@hermes/runtime/contracts";
import { channelName, describeError, isoTime, statusName } from "./names.js";
import { drawTree } from "./tree.js";

/**
 * A cascade's chain as `hermes status` draws it: the parent, then each step
 * with its channel and address, where it stands, its message and that
 * message's status, when a running step moves on, and why a step failed or
 * was skipped. `current` marks the message the status was asked for.
 */
export function cascadeChain(cascade: CascadeProgress, current: string): string {
  type Node = { label: string; children: Node[] };
  const mark = (id: string) => (id === current ? ux.colorize("bold", " ◀") : "");
  const root: Node = {
    label: `Cascade ${cascade.parentId}${mark(cascade.parentId)}`,
    children: cascade.steps.map((step) => ({
      label: stepLabel(step) + mark(step.messageId),
      children: [],
    })),
  };
  return drawTree(
    root,
    (n) => n.label,
    (n) => n.children,
  );
}

function stepLabel(step: CascadeStepProgress): string {
  const state = (CascadeStepState[step.state] ?? "").toLowerCase().replace("_", " ");
  return [
    `${step.step}. ${channelName(step.channel)} → ${step.to?.kind.value ?? "(no address)"}`,
    colored(step.state, state),
    step.messageId && `${step.messageId} (${statusName(step.status)})`,
    step.timeoutSeconds > 0 && step.state === CascadeStepState.RUNNING && step.deadline
      ? `moves on at ${isoTime(step.deadline)}`
      : "",
    step.error ? describeError(step.error) : "",
  ]
    .filter(Boolean)
    .join("  ");
}

function colored(state: CascadeStepState, text: string): string {
  switch (state) {
    case CascadeStepState.DELIVERED:
      return ux.colorize("green", text);
    case CascadeStepState.FAILED:
    case CascadeStepState.TIMED_OUT:
      return ux.colorize("red", text);
    case CascadeStepState.RUNNING:
      return ux.colorize("yellow", text);
    default:
      return ux.colorize("dim", text);
  }
}

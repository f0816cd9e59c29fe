// A cascade's chain on a message's page (GetMessage's `cascade`): the
// parent, then each step with its channel and address, where it stands, its
// message (a link to that message's own timeline) and that message's status,
// a running step's deadline, and why a step failed or was skipped.
import {
  type CascadeProgress,
  type CascadeStepProgress,
  CascadeStepState,
  Channel,
  ErrorCode,
  MessageStatus,
} from "@hermes/runtime/contracts";
import { h } from "../dom.js";
import { address, enumName, time } from "../format.js";
import { badge, pairs } from "../widgets.js";

/** The chain as seen from message `current` (the parent or one of its steps). */
export function cascadeChain(cascade: CascadeProgress, current: string): HTMLElement {
  return h(
    "section",
    { class: "cascade", "data-parent": cascade.parentId },
    h("h2", null, "Cascade"),
    h(
      "p",
      null,
      "Parent ",
      messageLink(cascade.parentId, current),
      `, ${cascade.steps.length} step${cascade.steps.length === 1 ? "" : "s"}, tried in order until one is delivered.`,
    ),
    h("ol", { class: "cascade-steps" }, ...cascade.steps.map((step) => stepEntry(step, current))),
  );
}

function stepEntry(step: CascadeStepProgress, current: string): HTMLElement {
  const state = enumName(CascadeStepState, step.state);
  const facts: Array<[string, Node | string]> = [];
  if (step.messageId) {
    const status = enumName(MessageStatus, step.status);
    facts.push([
      "message",
      h("span", null, messageLink(step.messageId, current), " ", badge(status)),
    ]);
  }
  if (step.timeoutSeconds > 0) facts.push(["timeout", `${step.timeoutSeconds} s`]);
  if (step.deadline) facts.push(["moves on at", time(step.deadline)]);
  if (step.error)
    facts.push(["why", `${enumName(ErrorCode, step.error.code)}: ${step.error.message}`]);
  return h(
    "li",
    {
      "data-step": String(step.step),
      "data-state": state,
      class: step.messageId === current ? "current" : undefined,
    },
    h("span", { class: "step" }, `Step ${step.step}`),
    h("span", { class: "kind" }, enumName(Channel, step.channel).toLowerCase()),
    " ",
    address(step.to),
    " ",
    badge(state),
    facts.length > 0 && pairs(facts),
  );
}

/** A link to a message's page, or its id alone for the message already on screen. */
function messageLink(id: string, current: string): HTMLElement {
  return id === current
    ? h("code", null, id)
    : h("a", { href: `#/messages?id=${encodeURIComponent(id)}` }, h("code", null, id));
}

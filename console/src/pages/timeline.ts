// A message's timeline: its events oldest first, each with the provider's
// answer (its id, codes and detail), the error and the attempt it was.
import {
  type DeliveryEvent,
  DeliveryEventKind,
  ErrorCode,
  MessageStatus,
} from "@hermes/runtime/contracts";
import { h } from "../dom.js";
import { address, enumName, time } from "../format.js";
import { badge, pairs } from "../widgets.js";

export function timelineEntry(event: DeliveryEvent): HTMLElement {
  const kind = enumName(DeliveryEventKind, event.kind);
  const status = enumName(MessageStatus, event.status);
  const facts: Array<[string, string]> = [];
  if (event.providerMessageId) facts.push(["provider id", event.providerMessageId]);
  if (event.error) {
    facts.push(["error", `${enumName(ErrorCode, event.error.code)}: ${event.error.message}`]);
    if (event.error.providerCode) facts.push(["provider code", event.error.providerCode]);
    facts.push(["retryable", String(event.error.retryable)]);
  }
  if (event.from) facts.push(["from", address(event.from)]);
  if (event.text) facts.push(["text", event.text]);
  for (const [key, value] of Object.entries(event.detail).sort()) facts.push([key, value]);
  return h(
    "li",
    { "data-kind": kind, "data-status": status, "data-sequence": String(event.sequence) },
    h("time", null, time(event.time)),
    badge(status),
    h("span", { class: "kind" }, kind.toLowerCase()),
    facts.length > 0 && pairs(facts),
  );
}

/**
 * The routes a message went through, when it moved: failover from a route
 * that went DOWN to the next live one of its channel ("sms-a → sms-b").
 * Empty when it stayed on its first route.
 */
export function routeChain(events: readonly DeliveryEvent[]): string[] {
  const chain: string[] = [];
  for (const event of events) {
    const from = event.detail.rerouted_from;
    const to = event.detail.rerouted_to;
    if (!from || !to) continue;
    if (chain.length === 0) chain.push(from);
    chain.push(to);
  }
  return chain;
}

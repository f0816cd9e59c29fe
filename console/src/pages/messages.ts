// Messages: find a message by id, recipient or provider id, and follow its
// timeline: its stored events, then new ones live (WatchEvents from the
// last one seen), so a message on screen moves on to DELIVERED by itself;
// a cascade's parent or step shows the cascade's chain above it.
import {
  type CascadeProgress,
  Channel,
  type DeliveryEvent,
  DeliveryEventKind,
  ErrorCode,
  type Message,
  MessageStatus,
} from "@hermes/runtime/contracts";
import { describe, isCanceled } from "../api.js";
import { h, show } from "../dom.js";
import { address, enumName, time } from "../format.js";
import type { PageEntry, Session } from "../page.js";
import { badge, pairs, problem, row, table } from "../widgets.js";
import { cascadeChain } from "./cascade.js";
import { routeChain, timelineEntry } from "./timeline.js";

type By = "id" | "recipient" | "provider";

export const messagesPage: PageEntry = {
  title: "Messages",
  needs: "read",
  open(session, params) {
    const abort = new AbortController();
    const by = h(
      "select",
      { name: "by", "aria-label": "find by" },
      h("option", { value: "id" }, "message id"),
      h("option", { value: "recipient" }, "recipient"),
      h("option", { value: "provider" }, "provider id"),
    );
    const query = h("input", { name: "q", required: true, placeholder: "id, +447700900123, …" });
    const results = h("div", { class: "results" });
    const find = async (event: Event) => {
      event.preventDefault();
      const value = query.value.trim();
      if ((by.value as By) === "id") {
        location.hash = `#/messages?id=${encodeURIComponent(value)}`;
        return;
      }
      try {
        const { messages } = await session.api.messages.findMessages({
          by:
            by.value === "recipient"
              ? { case: "recipient", value }
              : { case: "providerMessageId", value },
        });
        show(results, messages.length > 0 ? list(messages) : h("p", null, "No message found."));
      } catch (error) {
        show(results, problem(describe(error)));
      }
    };
    const id = params.get("id");
    if (id) void detail(session, id, results, abort.signal);
    const element = h(
      "div",
      { class: "messages" },
      h(
        "form",
        { class: "find", onsubmit: find },
        by,
        query,
        h("button", { type: "submit" }, "Find"),
      ),
      results,
    );
    return { element, stop: () => abort.abort() };
  },
};

function list(messages: readonly Message[]): HTMLElement {
  return table(
    ["id", "to", "channel", "status", "route", "updated"],
    messages.map((message) => {
      const open = h("a", { href: `#/messages?id=${encodeURIComponent(message.id)}` }, message.id);
      return row(
        [
          open,
          address(message.to),
          enumName(Channel, message.channel).toLowerCase(),
          badge(enumName(MessageStatus, message.status)),
          message.route,
          time(message.updatedAt),
        ],
        { "data-message": message.id },
      );
    }),
  );
}

/**
 * Shows one message, its cascade chain when it has one, and its timeline,
 * and keeps them live until `signal` aborts.
 */
async function detail(session: Session, id: string, into: HTMLElement, signal: AbortSignal) {
  let message: Message | undefined;
  let events: DeliveryEvent[];
  let cascade: CascadeProgress | undefined;
  try {
    ({ message, events, cascade } = await session.api.messages.getMessage({ id }, { signal }));
  } catch (error) {
    if (!isCanceled(error)) show(into, problem(describe(error)));
    return;
  }
  if (!message) return;
  const header = h("div", { class: "message-header" });
  const timeline = h("ol", { class: "timeline" }, ...events.map(timelineEntry));
  const chain = h("p", { class: "chain" });
  const steps = h("div");
  const render = () => {
    show(header, ...summary(message!));
    const routes = routeChain(events);
    show(chain, routes.length > 0 && `Route chain: ${routes.join(" → ")}`);
    show(steps, cascade && cascadeChain(cascade, id));
  };
  /** The chain moves with the steps' messages, whose events are not this one's: read it again. */
  const refreshCascade = async () => {
    const latest = await session.api.messages.getMessage({ id }, { signal });
    cascade = latest.cascade;
    render();
  };
  render();
  show(into, header, chain, steps, h("h2", null, "Timeline"), timeline);
  const last = events.at(-1)?.sequence ?? 0n;
  try {
    for await (const { event } of session.api.messages.watchEvents(
      { messageIds: [id], afterSequence: last, replay: true },
      { signal },
    )) {
      if (!event) continue;
      events.push(event);
      timeline.append(timelineEntry(event));
      if (event.kind === DeliveryEventKind.STATUS || event.kind === DeliveryEventKind.RETRYING)
        message.status = event.status;
      if (event.providerMessageId) message.providerMessageId = event.providerMessageId;
      render();
      if (cascade) await refreshCascade();
    }
  } catch (error) {
    if (!isCanceled(error) && !signal.aborted)
      into.append(problem(`Live updates stopped: ${describe(error)}`));
  }
}

function summary(message: Message) {
  const status = enumName(MessageStatus, message.status);
  const facts: Array<[string, string]> = [
    ["to", address(message.to)],
    ["channel", message.cascade ? "cascade" : enumName(Channel, message.channel).toLowerCase()],
    ["route", message.route],
    ["attempts", String(message.attempts)],
    ["provider id", message.providerMessageId],
    ["created", time(message.createdAt)],
    ["expires", time(message.expiresAt)],
  ];
  if (message.error)
    facts.push(["error", `${enumName(ErrorCode, message.error.code)}: ${message.error.message}`]);
  for (const [key, value] of Object.entries(message.metadata))
    facts.push([`metadata.${key}`, value]);
  return [
    h(
      "h2",
      null,
      "Message ",
      h("code", null, message.id),
      " ",
      h("span", { class: "status" }, badge(status)),
    ),
    pairs(facts.filter(([, value]) => value !== "")),
  ];
}

// Live events: WatchEvents streamed into a table, newest first, filtered by
// channel and message ids; optionally replayed from a sequence first.
import {
  Channel,
  DeliveryEventKind,
  type DeliveryEvent,
  MessageStatus,
} from "@hermes/runtime/contracts";
import { describe, isCanceled } from "../api.js";
import { h, show } from "../dom.js";
import { enumName, time } from "../format.js";
import type { PageEntry, Session } from "../page.js";
import { badge, problem, row, table } from "../widgets.js";

/** Rows kept on screen: older ones are dropped. */
const kept = 500;
const channels = [Channel.SMS, Channel.EMAIL, Channel.PUSH, Channel.CHAT, Channel.WEBHOOK];

export const eventsPage: PageEntry = {
  title: "Live events",
  needs: "read",
  open(session) {
    let abort: AbortController | undefined;
    const boxes = channels.map((channel) =>
      h("input", { type: "checkbox", name: "channel", value: String(channel) }),
    );
    const ids = h("input", { name: "ids", placeholder: "message ids, comma-separated" });
    const after = h("input", {
      name: "after",
      type: "number",
      min: "0",
      placeholder: "replay after sequence",
    });
    const toggle = h("button", { type: "submit" }, "Watch");
    const status = h("p", { class: "stream-status" }, "Not watching.");
    const events = table(
      ["seq", "time", "message", "channel", "kind", "status", "provider id", "detail"],
      [],
    );
    const body = events.tBodies[0]!;
    const stop = () => {
      abort?.abort();
      abort = undefined;
      toggle.textContent = "Watch";
      status.textContent = "Not watching.";
    };
    const submit = (event: Event) => {
      event.preventDefault();
      if (abort) return stop();
      abort = new AbortController();
      toggle.textContent = "Stop";
      body.replaceChildren();
      void watch(
        session,
        {
          channels: boxes.filter((box) => box.checked).map((box) => Number(box.value) as Channel),
          messageIds: ids.value
            .split(",")
            .map((id) => id.trim())
            .filter(Boolean),
          after: after.value ? BigInt(after.value) : undefined,
        },
        body,
        status,
        abort.signal,
      );
    };
    const element = h(
      "div",
      { class: "events" },
      h(
        "form",
        { class: "filters", onsubmit: submit },
        ...boxes.map((box, i) =>
          h("label", null, box, ` ${enumName(Channel, channels[i]!).toLowerCase()}`),
        ),
        ids,
        after,
        toggle,
      ),
      status,
      events,
    );
    return { element, stop };
  },
};

interface Filters {
  readonly channels: Channel[];
  readonly messageIds: string[];
  readonly after?: bigint;
}

async function watch(
  session: Session,
  filters: Filters,
  body: HTMLElement,
  status: HTMLElement,
  signal: AbortSignal,
): Promise<void> {
  status.textContent = "Watching…";
  try {
    for await (const { event } of session.api.messages.watchEvents(
      {
        channels: filters.channels,
        messageIds: filters.messageIds,
        replay: filters.after !== undefined,
        afterSequence: filters.after ?? 0n,
      },
      { signal },
    )) {
      if (!event) continue;
      body.prepend(eventRow(event));
      while (body.children.length > kept) body.lastElementChild!.remove();
    }
    status.textContent = "The stream ended.";
  } catch (error) {
    if (!isCanceled(error) && !signal.aborted) show(status, problem(describe(error)));
  }
}

function eventRow(event: DeliveryEvent): HTMLTableRowElement {
  const detail = Object.entries(event.detail)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
  return row(
    [
      String(event.sequence),
      time(event.time),
      h("a", { href: `#/messages?id=${encodeURIComponent(event.messageId)}` }, event.messageId),
      enumName(Channel, event.channel).toLowerCase(),
      enumName(DeliveryEventKind, event.kind).toLowerCase(),
      badge(enumName(MessageStatus, event.status)),
      event.providerMessageId,
      event.error ? `${event.error.message} ${detail}` : detail,
    ],
    { "data-message": event.messageId, "data-status": enumName(MessageStatus, event.status) },
  );
}

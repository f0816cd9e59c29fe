import type { Client } from "@connectrpc/connect";
import {
  DeliveryEventKind,
  MessageStatus,
  type DeliveryEvent,
  type Message,
  RouteState,
} from "@hermes/runtime/contracts";
import type { MessageService } from "@hermes/runtime/contracts";
import type { AdapterHealth, ChannelAdapter } from "@hermes/runtime";

const terminal = new Set([
  MessageStatus.DELIVERED,
  MessageStatus.FAILED,
  MessageStatus.EXPIRED,
  MessageStatus.REJECTED,
]);

/**
 * Follows a message on WatchEvents (replaying its history first) until an
 * event satisfies `found`; resolves with every event seen up to it. Rejects
 * after the timeout with what was seen (`what` names the awaited event), so a
 * failure says where the message stuck.
 */
export async function untilEvent(
  messages: Client<typeof MessageService>,
  id: string,
  found: (event: DeliveryEvent) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<DeliveryEvent[]> {
  const seen: DeliveryEvent[] = [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    for await (const { event } of messages.watchEvents(
      { messageIds: [id], replay: true },
      { signal: abort.signal },
    )) {
      if (!event) continue;
      seen.push(event);
      if (found(event)) return seen;
    }
  } catch (reason) {
    if (!abort.signal.aborted) throw reason;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new Error(
    `message ${id} reached no ${what} in ${timeoutMs} ms; events: ${seen.map((e) => `${DeliveryEventKind[e.kind]}/${MessageStatus[e.status]}`).join(" -> ")}`,
  );
}

/** Follows a message until it reaches a terminal status; resolves with every event seen. */
export function untilTerminal(
  messages: Client<typeof MessageService>,
  id: string,
  timeoutMs = 10_000,
): Promise<DeliveryEvent[]> {
  return untilEvent(
    messages,
    id,
    (event) => terminal.has(event.status) && event.kind === DeliveryEventKind.STATUS,
    "terminal status",
    timeoutMs,
  );
}

/**
 * Polls `probe` until it yields a value (anything but undefined or false);
 * rejects after the timeout with `failure()`, which can say what was last seen.
 */
export async function poll<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  failure: () => string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until `check` holds; fails with `what` after the timeout. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  await poll(
    () => check(),
    () => `timed out waiting for ${what}`,
    timeoutMs,
  );
}

/** Resolves with the adapter's health once it reports `state`; fails with the last health seen. */
export function untilAdapterState(
  adapter: ChannelAdapter,
  state: RouteState,
  timeoutMs = 5000,
): Promise<AdapterHealth> {
  let last = adapter.health();
  return poll(
    () => {
      last = adapter.health();
      return last.state === state ? last : undefined;
    },
    () =>
      `route never reached ${RouteState[state]}; last: ${RouteState[last.state]} ${last.reason ?? ""}`,
    timeoutMs,
  );
}

/**
 * Polls GetMessage until the message has `status` (for statuses no event stream ends at, such as
 * SUBMITTED).
 */
export function untilStatus(
  messages: Client<typeof MessageService>,
  id: string,
  status: MessageStatus,
  timeoutMs = 5000,
): Promise<Message> {
  let last: Message | undefined;
  return poll(
    async () => {
      last = (await messages.getMessage({ id })).message;
      return last?.status === status ? last : undefined;
    },
    () =>
      `message ${id} never reached ${MessageStatus[status]}; last ${MessageStatus[last?.status ?? 0]}`,
    timeoutMs,
  );
}

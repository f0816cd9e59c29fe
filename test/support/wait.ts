import type { Client } from "@connectrpc/connect";
import { DeliveryEventKind, MessageStatus, type DeliveryEvent } from "../../runtime/src/gen/hermes/v1/message_pb.js";
import type { MessageService } from "../../runtime/src/gen/hermes/v1/message_service_pb.js";

const terminal = new Set([MessageStatus.DELIVERED, MessageStatus.FAILED, MessageStatus.EXPIRED, MessageStatus.REJECTED]);

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
    for await (const { event } of messages.watchEvents({ messageIds: [id], replay: true }, { signal: abort.signal })) {
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
  throw new Error(`message ${id} reached no ${what} in ${timeoutMs} ms; events: ${seen.map((e) => `${DeliveryEventKind[e.kind]}/${MessageStatus[e.status]}`).join(" -> ")}`);
}

/** Follows a message until it reaches a terminal status; resolves with every event seen. */
export function untilTerminal(messages: Client<typeof MessageService>, id: string, timeoutMs = 10_000): Promise<DeliveryEvent[]> {
  return untilEvent(messages, id, (event) => terminal.has(event.status) && event.kind === DeliveryEventKind.STATUS, "terminal status", timeoutMs);
}

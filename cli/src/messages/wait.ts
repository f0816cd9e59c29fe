import type { Client } from "@connectrpc/connect";
import type { MessageService } from "@hermes/runtime/contracts";
import { DeliveryEventKind, type DeliveryEvent, type Message } from "@hermes/runtime/contracts";
import { isTerminal } from "@hermes/runtime";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import { statusName } from "../output/names.js";
import { followEvents } from "./follow-events.js";

export interface Outcome {
  readonly message: Message;
  /** Every event of the message, oldest first. */
  readonly events: DeliveryEvent[];
}

/**
 * Follows one message (its history first, then live events, resuming across
 * reconnects) until a status event says it is terminal, then reads the
 * message as stored. Fails with exit 11 after timeoutMs, naming where it stuck.
 */
export async function waitForTerminal(
  messages: Client<typeof MessageService>,
  id: string,
  timeoutMs: number,
): Promise<Outcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: DeliveryEvent[] = [];
  try {
    for await (const event of followEvents(
      messages,
      { messageIds: [id], replay: true },
      { signal: abort.signal },
    )) {
      events.push(event);
      if (event.kind === DeliveryEventKind.STATUS && isTerminal(event.status)) {
        const { message } = await messages.getMessage({ id });
        return { message: message!, events };
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  const last = events.at(-1);
  throw new Failure(
    ExitCode.Timeout,
    `${id} reached no final status in ${timeoutMs / 1000} s${last ? ` (last: ${statusName(last.status)})` : ""}`,
    {
      reason: "timeout",
      hints: [
        `it is still on its way; follow it with \`hermes watch --message ${id}\` or check \`hermes status ${id}\``,
      ],
    },
  );
}

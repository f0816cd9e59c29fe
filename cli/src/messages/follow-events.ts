import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { MessageService, Channel, DeliveryEvent } from "@hermes/runtime/contracts";

export interface EventQuery {
  /** Resume after this sequence. */
  readonly afterSequence?: bigint;
  readonly messageIds?: readonly string[];
  readonly channels?: readonly Channel[];
  /** Replay stored events after afterSequence before the live ones. */
  readonly replay?: boolean;
}

export interface FollowOptions {
  readonly signal?: AbortSignal;
  /** Told when a stream that had connected broke and is being re-opened. */
  readonly onReconnect?: (info: {
    attempt: number;
    delayMs: number;
    reason: unknown;
    afterSequence: bigint;
  }) => void;
  /** Longest pause between reconnection attempts. */
  readonly maxBackoffMs?: number;
}

/** Codes after which the same watch, resumed, can go on. */
const transient = new Set([
  Code.Unavailable,
  Code.Unknown,
  Code.Internal,
  Code.Aborted,
  Code.Canceled,
  Code.ResourceExhausted,
  Code.DeadlineExceeded,
]);

/**
 * Yields delivery events from MessageService.WatchEvents and survives the
 * gateway going away: once a stream has connected, a broken or ended stream
 * is re-opened (with backoff) after the last sequence seen, replaying what
 * was missed, so no event is lost or repeated. A first connection that fails
 * is an error for the caller: there is nothing to resume yet.
 */
export async function* followEvents(
  messages: Client<typeof MessageService>,
  query: EventQuery,
  options: FollowOptions = {},
): AsyncGenerator<DeliveryEvent> {
  const { signal } = options;
  let after = query.afterSequence ?? 0n;
  let replay = query.replay ?? false;
  let connected = false;
  let attempt = 0;
  for (;;) {
    let reason: unknown = new Error("the gateway ended the stream");
    try {
      const stream = messages.watchEvents(
        {
          afterSequence: after,
          replay,
          messageIds: [...(query.messageIds ?? [])],
          channels: [...(query.channels ?? [])],
        },
        {
          signal,
          onHeader: () => {
            connected = true;
          },
        },
      );
      for await (const { event } of stream) {
        connected = true;
        attempt = 0;
        if (!event || (replay && event.sequence <= after)) continue;
        after = event.sequence;
        // From the first event on, a resume must replay what it missed.
        replay = true;
        yield event;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (!connected || !(error instanceof ConnectError) || !transient.has(error.code)) throw error;
      reason = error;
    }
    if (signal?.aborted) return;
    attempt++;
    const delayMs = Math.min(options.maxBackoffMs ?? 5000, 200 * 2 ** Math.min(attempt - 1, 10));
    options.onReconnect?.({ attempt, delayMs, reason, afterSequence: after });
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

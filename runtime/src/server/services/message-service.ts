import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { type Message, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import {
  BatchItemResultSchema,
  type CancelMessageRequest,
  type MessageService,
  type FindMessagesRequest,
  type GetMessageRequest,
  type SendBatchRequest,
  type SendRequest,
  type WatchEventsRequest,
  type WatchEventsResponse,
} from "../../gen/hermes/v1/message_service_pb.js";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import type { EventFilter, MessageStore } from "../../store/message-store.js";
import { isTerminal, matchesFilter, type MessageState } from "../../store/message-state.js";
import { type EventRecord, toDeliveryEvent } from "../../store/event-record.js";
import type { EventBus } from "../../events/event-bus.js";
import type { CascadeEngine } from "../../cascades/cascade-engine.js";
import { principalKey } from "../auth.js";
import { rpcSpanKey } from "../rpc-tracing.js";
import type { TraceSpan } from "../../tracing/tracer.js";
import { requirePrincipal, toConnectError } from "./errors.js";

export interface MessageServiceDeps {
  /** Takes every Send (those with a cascade itself, the rest through the router) and every cancel. */
  readonly cascades: CascadeEngine;
  readonly store: MessageStore;
  readonly bus: EventBus;
  readonly maxBatchSize: number;
  /** Live events a slow watcher may lag behind before its stream is ended. */
  readonly watchBufferSize?: number;
}

const replayPage = 500;
const findLimit = { default: 50, max: 500 };

/** hermes.v1.MessageService over the router and the store. */
export function messageService(deps: MessageServiceDeps): ServiceImpl<typeof MessageService> {
  return {
    async send(req: SendRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      if (!req.message)
        throw toConnectError(
          new HermesError(ErrorCode.INVALID_ARGUMENT, "message is required", { field: "message" }),
        );
      const span = ctx.values.get(rpcSpanKey);
      const [outcome] = await accept(deps, tenant, [req.message], span);
      if (!outcome.ok) throw toConnectError(prefixField(outcome.error, "message"));
      span.set("hermes.message.id", outcome.message.id);
      return { message: outcome.message, duplicate: outcome.duplicate };
    },

    async sendBatch(req: SendBatchRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      if (req.messages.length === 0)
        throw toConnectError(
          new HermesError(ErrorCode.INVALID_ARGUMENT, "messages is empty", { field: "messages" }),
        );
      if (req.messages.length > deps.maxBatchSize) {
        throw toConnectError(
          new HermesError(
            ErrorCode.INVALID_ARGUMENT,
            `a batch holds at most ${deps.maxBatchSize} messages, got ${req.messages.length}`,
            { field: "messages" },
          ),
        );
      }
      const span = ctx.values.get(rpcSpanKey);
      span.set("hermes.message.count", req.messages.length);
      const outcomes = await accept(deps, tenant, req.messages, span);
      return {
        results: outcomes.map((outcome, index) =>
          create(
            BatchItemResultSchema,
            outcome.ok
              ? {
                  index,
                  result: { case: "message", value: outcome.message },
                  duplicate: outcome.duplicate,
                }
              : {
                  index,
                  result: {
                    case: "error",
                    value: prefixField(outcome.error, `messages[${index}]`).toDetail(),
                  },
                },
          ),
        ),
      };
    },

    async getMessage(req: GetMessageRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      if (!req.id)
        throw toConnectError(
          new HermesError(ErrorCode.INVALID_ARGUMENT, "id is required", { field: "id" }),
        );
      const message = await deps.store.get(req.id, tenant);
      if (!message) throw new ConnectError(`message ${req.id} not found`, Code.NotFound);
      const [events, cascade] = await Promise.all([
        deps.store.history(req.id),
        deps.cascades.chain(message),
      ]);
      return { message, events: events.map(toDeliveryEvent), cascade };
    },

    async cancelMessage(req: CancelMessageRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      if (!req.id)
        throw toConnectError(
          new HermesError(ErrorCode.INVALID_ARGUMENT, "id is required", { field: "id" }),
        );
      const outcome = await deps.cascades.cancel(tenant, req.id).catch((reason: unknown) => {
        throw toConnectError(reason);
      });
      if (outcome.kind === "not_found")
        throw new ConnectError(`message ${req.id} not found`, Code.NotFound);
      if (outcome.kind === "refused")
        throw new ConnectError(
          `message ${req.id} ${whyNotCancellable(outcome.state)}; only a message that has not left can be cancelled`,
          Code.FailedPrecondition,
        );
      return { message: await deps.store.get(req.id, tenant) };
    },

    async findMessages(req: FindMessagesRequest, ctx: HandlerContext) {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      const limit = Math.min(req.limit || findLimit.default, findLimit.max);
      const by = req.by;
      if (!by.case || !by.value)
        throw toConnectError(
          new HermesError(
            ErrorCode.INVALID_ARGUMENT,
            "recipient or provider_message_id is required",
            {
              field: by.case === "providerMessageId" ? "provider_message_id" : "recipient",
            },
          ),
        );
      const query =
        by.case === "recipient"
          ? { tenant, recipient: by.value }
          : { tenant, providerMessageId: by.value };
      const messages = await deps.store.find(query, limit).catch((reason: unknown) => {
        throw toConnectError(reason);
      });
      return { messages };
    },

    async *watchEvents(
      req: WatchEventsRequest,
      ctx: HandlerContext,
    ): AsyncGenerator<WatchEventsResponse> {
      const { tenant } = requirePrincipal(ctx.values.get(principalKey));
      const filter: EventFilter = { tenant, messageIds: req.messageIds, channels: req.channels };
      yield* watch(deps, filter, req, ctx.signal);
    },
  };
}

/**
 * Streams stored events after the requested sequence, then live ones. The
 * live subscription starts before the replay so nothing falls in between;
 * events the replay already sent are skipped by sequence.
 */
async function* watch(
  deps: MessageServiceDeps,
  filter: EventFilter,
  req: WatchEventsRequest,
  signal: AbortSignal,
): AsyncGenerator<WatchEventsResponse> {
  const limit = deps.watchBufferSize ?? 10_000;
  const live: EventRecord[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.bus.subscribe((event) => {
    if (!matchesFilter(event, filter)) return;
    if (live.length >= limit) overflowed = true;
    else live.push(event);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    let last = Number(req.afterSequence);
    if (req.replay) {
      for (;;) {
        const page = await deps.store.eventsAfter(last, filter, replayPage);
        for (const event of page) {
          yield { $typeName: "hermes.v1.WatchEventsResponse", event: toDeliveryEvent(event) };
          last = event.sequence;
        }
        if (page.length < replayPage) break;
      }
    }
    while (!signal.aborted) {
      if (overflowed) {
        throw new ConnectError(
          `watcher fell behind by more than ${limit} events; resume with after_sequence=${last} and replay=true`,
          Code.ResourceExhausted,
        );
      }
      const event = live.shift();
      if (!event) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (event.sequence <= last) continue;
      last = event.sequence;
      yield { $typeName: "hermes.v1.WatchEventsResponse", event: toDeliveryEvent(event) };
    }
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}

/** Stores what can be stored; a store that cannot be reached fails the call (Unavailable), with nothing stored. */
function accept(
  deps: MessageServiceDeps,
  tenant: string,
  messages: readonly Message[],
  span: TraceSpan,
) {
  for (const message of messages) {
    // Only the gateway links a cascade's steps to their parent.
    if (message.parentId) message.parentId = "";
    if (message.cascadeStep) message.cascadeStep = 0;
  }
  return deps.cascades.accept(tenant, messages, span).catch((reason: unknown) => {
    throw toConnectError(reason);
  });
}

function whyNotCancellable(state: MessageState): string {
  const status = MessageStatus[state.status];
  if (isTerminal(state.status)) return `has finished (${status})`;
  if (state.status === MessageStatus.SUBMITTED) return `has left (${status})`;
  return `is being sent (attempt ${state.started})`;
}

/** Field paths in errors are relative to the request the caller sent. */
function prefixField(error: HermesError, prefix: string): HermesError {
  if (error.code !== ErrorCode.INVALID_ARGUMENT) return error;
  const field = error.field ? `${prefix}.${error.field}` : prefix;
  const text =
    error.field && error.rawMessage.startsWith(error.field)
      ? field + error.rawMessage.slice(error.field.length)
      : `${field}: ${error.rawMessage}`;
  return new HermesError(error.code, text, { field, retryable: false });
}

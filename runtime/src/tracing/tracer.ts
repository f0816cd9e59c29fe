import type { SendOutcome } from "../router/adapter.js";
import type { NewMessage } from "../store/message-store.js";

/** OpenTelemetry's span kinds that the pipeline uses. */
export type SpanKindName = "server" | "client" | "internal";

/** An attribute value a span takes. */
export type SpanValue = string | number | boolean | readonly string[];

/**
 * One span of the pipeline. While tracing is off every span is `noSpan`,
 * whose methods do nothing and allocate nothing.
 */
export interface TraceSpan {
  set(key: string, value: SpanValue): void;
  /** Marks the span failed, with why. */
  fail(reason: string): void;
  end(): void;
  /**
   * Ends the span when a send's outcome is known, recording it (its kind,
   * the provider's id, the error); resolves with the outcome unchanged.
   */
  endWith(outcome: Promise<SendOutcome>): Promise<SendOutcome>;
  /** The W3C `traceparent` header that makes a request this span's child; "" when not recording. */
  traceparent(): string;
}

/**
 * Traces messages through the pipeline (docs/tracing.md): the API call that
 * accepts a message, its durable write, its wait on its route, each attempt
 * with the adapter's own spans beneath it, and the provider reports that
 * follow. Every span of a message carries its id (`hermes.message.id`). The
 * context is not carried by the async calls: the tracer keeps, per
 * unfinished message, the span its later spans belong under, so a message
 * is followed across the feeder, the adapter and the report without
 * AsyncLocalStorage. A gateway without tracing gets `noTracing`, a constant.
 */
export interface MessageTracer {
  /** False for `noTracing`: a call site that would build something for a span first checks this. */
  readonly enabled: boolean;
  /** The SERVER span of an API call; its parent is the caller's `traceparent` when it is valid. */
  rpc(procedure: string, traceparent: string | null): TraceSpan;
  /** A span for each message's durable write under `parent`, each ended when `written` settles. */
  storing(messages: readonly NewMessage[], parent: TraceSpan, written: Promise<unknown>): void;
  /**
   * A message is queued on `route`: its later spans belong under `parent`
   * (the call that accepted it), and a route span lasts until its first attempt.
   */
  queued(messageId: string, route: string, parent: TraceSpan): void;
  /** An attempt starts: the adapter's spans of the message are its children until it ends. */
  attemptStarted(messageId: string, route: string, attempt: number): void;
  attemptEnded(messageId: string, outcome: SendOutcome): void;
  /**
   * A span of one message: a child of `parent` when given, else of its
   * attempt under way, else of the call that accepted it (a root span when
   * this gateway never saw that call: after a restart, or on a cluster node
   * that did not accept the message).
   */
  span(name: string, messageId: string, kind?: SpanKindName, parent?: TraceSpan): TraceSpan;
  /** The message reached a terminal status: nothing of it is kept any longer. */
  finished(messageId: string): void;
  /** Exports what is left; the gateway's last step. */
  shutdown(): Promise<void>;
}

/** The span of a tracer that is off. */
export const noSpan: TraceSpan = Object.freeze({
  set() {},
  fail() {},
  end() {},
  endWith: (outcome: Promise<SendOutcome>) => outcome,
  traceparent: () => "",
});

/** The tracer of a gateway that does not trace: every method returns at once. */
export const noTracing: MessageTracer = Object.freeze({
  enabled: false,
  rpc: () => noSpan,
  storing() {},
  queued() {},
  attemptStarted() {},
  attemptEnded() {},
  span: () => noSpan,
  finished() {},
  shutdown: () => Promise.resolve(),
});

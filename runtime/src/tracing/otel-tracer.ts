import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import type { TracingConfig } from "../config/gateway-config.js";
import { ErrorCode } from "../errors/hermes-error.js";
import type { SendOutcome } from "../router/adapter.js";
import type { NewMessage } from "../store/message-store.js";
import { formatTraceparent, parseTraceparent } from "./traceparent.js";
import type { MessageTracer, SpanKindName, SpanValue, TraceSpan } from "./tracer.js";

/** Messages followed at most: beyond it the oldest is forgotten (its later spans start traces of their own). */
const followedLimit = 100_000;

const kinds: Readonly<Record<SpanKindName, SpanKind>> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
};

/**
 * Starts exporting spans over OTLP/HTTP (JSON) to `config.endpoint`, in
 * batches, from a tracer provider of this gateway's own (never the global
 * one: two gateways in a process share nothing). Sampling follows the
 * caller's `traceparent` flag, else `config.sampleRatio`.
 */
export function startTracing(config: TracingConfig, version: string): MessageTracer {
  const exporter = new OTLPTraceExporter({ url: config.endpoint, headers: { ...config.headers } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": config.serviceName,
      "service.version": version,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        // A busy gateway makes tens of thousands of spans a second; the defaults (2048) drop most.
        maxQueueSize: 200_000,
        maxExportBatchSize: 4096,
        scheduledDelayMillis: config.exportIntervalMs,
      }),
    ],
  });
  return new OtelMessageTracer(provider.getTracer("hermes", version), () => provider.shutdown());
}

/** What the tracer keeps of a message it follows. */
interface Followed {
  /** Where the message's spans belong: under the call that accepted it. */
  readonly context: Context;
  /** Its wait on its route, until the first attempt. */
  route?: Span;
  attempt?: OtelSpan;
}

/** The tracer of a gateway that traces: spans through OpenTelemetry's SDK. */
export class OtelMessageTracer implements MessageTracer {
  readonly enabled = true;
  readonly #tracer: Tracer;
  readonly #shutdown: () => Promise<void>;
  readonly #followed = new Map<string, Followed>();

  constructor(tracer: Tracer, shutdown: () => Promise<void>) {
    this.#tracer = tracer;
    this.#shutdown = shutdown;
  }

  rpc(procedure: string, traceparent: string | null): TraceSpan {
    const caller = parseTraceparent(traceparent);
    const parent = caller
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: caller.traceId,
          spanId: caller.spanId,
          traceFlags: caller.flags,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    const slash = procedure.indexOf("/");
    return this.#start(procedure, parent, SpanKind.SERVER, {
      "rpc.system": "connect_rpc",
      "rpc.service": procedure.slice(0, slash),
      "rpc.method": procedure.slice(slash + 1),
    });
  }

  storing(messages: readonly NewMessage[], parent: TraceSpan, written: Promise<unknown>): void {
    const context = contextOf(parent);
    const spans = messages.map(({ message }) =>
      this.#tracer.startSpan(
        "hermes.store.write",
        { attributes: { "hermes.message.id": message.id, "hermes.route": message.route } },
        context,
      ),
    );
    written.then(
      () => {
        for (const span of spans) span.end();
      },
      (reason: unknown) => {
        for (const span of spans) failed(span, reason).end();
      },
    );
  }

  queued(messageId: string, route: string, parent: TraceSpan): void {
    const context = contextOf(parent);
    const span = this.#tracer.startSpan(
      "hermes.route",
      { attributes: { "hermes.message.id": messageId, "hermes.route": route } },
      context,
    );
    this.#follow(messageId, { context, route: span });
  }

  attemptStarted(messageId: string, route: string, attempt: number): void {
    let followed = this.#followed.get(messageId);
    followed?.route?.end();
    const span = this.#start(
      "hermes.attempt",
      followed?.context ?? ROOT_CONTEXT,
      SpanKind.INTERNAL,
      {
        "hermes.message.id": messageId,
        "hermes.route": route,
        "hermes.attempt": attempt,
      },
    );
    // A message this gateway did not accept: its spans from here on form a trace of their own.
    followed ??= this.#follow(messageId, { context: span.context });
    followed.route = undefined;
    followed.attempt = span;
  }

  attemptEnded(messageId: string, outcome: SendOutcome): void {
    const followed = this.#followed.get(messageId);
    const attempt = followed?.attempt;
    if (!attempt) return;
    followed.attempt = undefined;
    recordOutcome(attempt.span, outcome);
    attempt.span.end();
  }

  span(name: string, messageId: string, kind?: SpanKindName, parent?: TraceSpan): TraceSpan {
    const followed = parent ? undefined : this.#followed.get(messageId);
    const context = parent
      ? contextOf(parent)
      : (followed?.attempt?.context ?? followed?.context ?? ROOT_CONTEXT);
    return this.#start(name, context, kinds[kind ?? "internal"], {
      "hermes.message.id": messageId,
    });
  }

  finished(messageId: string): void {
    const followed = this.#followed.get(messageId);
    if (!followed) return;
    followed.route?.end();
    this.#followed.delete(messageId);
  }

  shutdown(): Promise<void> {
    return this.#shutdown();
  }

  #start(name: string, parent: Context, kind: SpanKind, attributes: Attributes): OtelSpan {
    const span = this.#tracer.startSpan(name, { kind, attributes }, parent);
    return new OtelSpan(span, trace.setSpan(parent, span));
  }

  #follow(messageId: string, followed: Followed): Followed {
    if (this.#followed.size >= followedLimit) {
      const [oldest] = this.#followed.keys();
      this.finished(oldest!);
    }
    this.#followed.set(messageId, followed);
    return followed;
  }
}

class OtelSpan implements TraceSpan {
  constructor(
    readonly span: Span,
    /** The context whose children this span's children are. */
    readonly context: Context,
  ) {}

  set(key: string, value: SpanValue): void {
    this.span.setAttribute(key, value as string);
  }

  fail(reason: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  }

  end(): void {
    this.span.end();
  }

  endWith(outcome: Promise<SendOutcome>): Promise<SendOutcome> {
    return outcome.then(
      (settled) => {
        recordOutcome(this.span, settled);
        this.span.end();
        return settled;
      },
      (reason: unknown) => {
        failed(this.span, reason).end();
        throw reason;
      },
    );
  }

  traceparent(): string {
    const { traceId, spanId, traceFlags } = this.span.spanContext();
    return formatTraceparent({ traceId, spanId, flags: traceFlags });
  }
}

function contextOf(span: TraceSpan): Context {
  return span instanceof OtelSpan ? span.context : ROOT_CONTEXT;
}

function failed(span: Span, reason: unknown): Span {
  const message = reason instanceof Error ? reason.message : String(reason);
  return span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** A send's outcome on its span: the provider's id and answer, or the error. */
function recordOutcome(span: Span, outcome: SendOutcome): void {
  span.setAttribute("hermes.outcome", outcome.kind);
  if (outcome.kind === "failed") {
    const { error } = outcome;
    span.setAttribute("hermes.error.code", ErrorCode[error.code] ?? String(error.code));
    span.setAttribute("hermes.error.retryable", error.retryable);
    if (error.providerCode) span.setAttribute("hermes.provider.code", error.providerCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else if (outcome.providerMessageId) {
    span.setAttribute("hermes.provider.message_id", outcome.providerMessageId);
  }
  for (const [key, value] of Object.entries(outcome.detail ?? {}))
    span.setAttribute(`hermes.detail.${key}`, value);
}

import type Mail from "nodemailer/lib/mailer/index.js";
import type { Message } from "../../gen/hermes/v1/message_pb.js";
import { RouteState } from "../../gen/hermes/v1/admin_service_pb.js";
import { ErrorCode, errorDetail } from "../../errors/hermes-error.js";
import { Supervisor } from "../../kernel/index.js";
import type {
  AdapterContext,
  AdapterFactory,
  AdapterHealth,
  ChannelAdapter,
  SendOutcome,
  WebhookReply,
  WebhookRequest,
} from "../../router/adapter.js";
import { BoundedMap } from "./bounded-map.js";
import { parseSmtpDriverConfig, type SmtpDriverConfig } from "./config.js";
import { HttpInjector } from "./http-injector.js";
import { LogHookReceiver } from "./log-hook-receiver.js";
import { buildMail, UnsendableMessage, type OutgoingMail } from "./mail-builder.js";
import { classifySmtpError, spoolIdsOf } from "./smtp-outcome.js";
import { KumoSmtpSession, type SendResult, type SessionListener } from "./smtp-session.js";
import { type MessageTracer, noTracing } from "../../tracing/tracer.js";

/** How many message ids the driver remembers (submitted, already received by KumoMTA). */
const memoryCapacity = 100_000;

/**
 * Email through KumoMTA. Messages are injected over pooled SMTP (a
 * supervised session, see KumoSmtpSession) or KumoMTA's HTTP API; KumoMTA
 * then does the hard part (ISP throttling, IP warming, DKIM, bounce
 * classification) and reports back through a log hook webhook, which this
 * adapter turns into delivery events (LogHookReceiver).
 *
 * Demand follows free capacity: two slots per pooled connection while the
 * session is connected (none while it is down, so messages wait in the
 * router instead of failing), or free HTTP request slots.
 */
export class SmtpAdapter implements ChannelAdapter {
  readonly type = "smtp";
  readonly #config: SmtpDriverConfig;
  readonly #http: HttpInjector | undefined;
  #receiver: LogHookReceiver | undefined;
  #session: KumoSmtpSession | undefined;
  #downReason: string | undefined;
  #inFlight = 0;
  #tracer: MessageTracer = noTracing;
  #consecutiveHttpFailures = 0;
  /** Sends in progress by Hermes id: a Reception record waits for its send's outcome. */
  readonly #sending = new Map<string, Promise<void>>();
  readonly #submitted = new BoundedMap<string, true>(memoryCapacity);
  /** Messages KumoMTA logged a Reception for: a retry of one is not injected twice. */
  readonly #received = new BoundedMap<string, string>(memoryCapacity);

  constructor(config: SmtpDriverConfig) {
    this.#config = config;
    this.#http =
      config.injection === "http" && config.http ? new HttpInjector(config.http) : undefined;
  }

  async start(ctx: AdapterContext): Promise<void> {
    this.#tracer = ctx.tracer ?? noTracing;
    const { webhook } = this.#config;
    if (webhook.secret) {
      this.#receiver = new LogHookReceiver(
        {
          secret: webhook.secret,
          secretHeader: webhook.secretHeader,
          correlation: {
            metaKey: webhook.correlationMetaKey,
            header: this.#config.headers.messageId,
          },
          dedupeCapacity: webhook.dedupeCapacity,
        },
        {
          report: (report) => ctx.report(report),
          wasSubmitted: async (id) => {
            await this.#sending.get(id);
            return this.#submitted.has(id);
          },
          received: (id, spoolId) => this.#received.set(id, spoolId),
        },
        ctx.log,
      );
    } else {
      ctx.log.warn(
        "no webhook.secret: the KumoMTA log hook endpoint refuses every request, so no delivery events arrive",
      );
    }
    if (this.#http) return;
    const { smtp } = this.#config;
    const listener: SessionListener = {
      up: (session) => {
        this.#session = session;
        if (this.#downReason)
          ctx.log.info({ kumomta: `${smtp.host}:${smtp.port}` }, "KumoMTA connection restored");
        this.#downReason = undefined;
        ctx.demandChanged();
      },
      down: (session, reason) => {
        if (this.#session === session) this.#session = undefined;
        if (reason !== this.#downReason)
          ctx.log.warn(
            { kumomta: `${smtp.host}:${smtp.port}`, reason },
            "KumoMTA connection down; retrying with backoff",
          );
        this.#downReason = reason;
      },
      freed: () => ctx.demandChanged(),
    };
    // The session's own supervisor backs off between reconnections; it sits under the route's
    // supervisor.
    // Its intensity admits every restart the backoff allows in a period, so a KumoMTA that stays
    // down is
    // retried every maxMs for as long as it takes instead of escalating to the route and the
    // gateway.
    const period = 60_000;
    const intensity = Math.ceil(period / smtp.reconnect.initialMs) + 1;
    await ctx.supervisor.startChild({
      id: "kumomta-smtp",
      type: "supervisor",
      start: () =>
        Supervisor.start({
          name: `kumomta-smtp:${ctx.route}`,
          strategy: "one_for_one",
          intensity,
          period,
          backoff: { initialMs: smtp.reconnect.initialMs, maxMs: smtp.reconnect.maxMs },
          logger: ctx.log,
          children: [
            {
              id: "session",
              start: () =>
                new KumoSmtpSession(
                  smtp,
                  listener,
                  `kumomta-session:${ctx.route}`,
                  ctx.log,
                ).start(),
              shutdown: 5000,
            },
          ],
        }),
    });
  }

  /** The session, while it is alive and verified: the only state in which it takes sends. */
  get #connectedSession(): KumoSmtpSession | undefined {
    const session = this.#session;
    return session?.alive && session.verified ? session : undefined;
  }

  demand(): number {
    if (this.#http) return this.#config.http!.concurrency - this.#inFlight;
    // Two slots per connection: one message on the wire and the next one ready in the pool's queue,
    // so a
    // connection never idles between messages; nothing waits inside the driver beyond that.
    return this.#connectedSession
      ? Math.max(0, 2 * this.#config.smtp.maxConnections - this.#inFlight)
      : 0;
  }

  async send(message: Message, _attempt: number): Promise<SendOutcome> {
    let mail: OutgoingMail;
    try {
      mail = buildMail(message, this.#config);
    } catch (reason) {
      if (!(reason instanceof UnsendableMessage)) throw reason;
      return {
        kind: "failed",
        error: errorDetail(ErrorCode.INVALID_ARGUMENT, reason.message, {
          retryable: false,
          field: reason.field,
        }),
      };
    }
    const spoolId = this.#received.get(message.id);
    if (spoolId) {
      // A retry after an outcome we never saw (a lost connection), but KumoMTA logged its
      // Reception: it has the message.
      return { kind: "submitted", providerMessageId: spoolId, detail: { deduplicated: "true" } };
    }
    let done!: () => void;
    this.#sending.set(message.id, new Promise<void>((resolve) => (done = resolve)));
    const span = this.#tracer.span("smtp.inject", message.id, "client");
    span.set("smtp.injection", this.#http ? "http" : "smtp");
    try {
      const outcome = await span.endWith(
        this.#http ? this.#sendHttp(message.id, mail) : this.#sendSmtp(mail),
      );
      if (outcome.kind === "submitted") this.#submitted.set(message.id, true);
      return outcome;
    } finally {
      this.#sending.delete(message.id);
      done();
    }
  }

  async #sendHttp(hermesId: string, mail: OutgoingMail): Promise<SendOutcome> {
    this.#inFlight++;
    try {
      const outcome = await this.#http!.inject(hermesId, mail);
      const unavailable = outcome.kind === "failed" && outcome.error.retryable;
      this.#consecutiveHttpFailures = unavailable ? this.#consecutiveHttpFailures + 1 : 0;
      return outcome;
    } finally {
      this.#inFlight--;
    }
  }

  #sendSmtp(mail: OutgoingMail): Promise<SendOutcome> {
    const session = this.#connectedSession;
    if (!session) {
      return Promise.resolve({
        kind: "failed",
        error: errorDetail(
          ErrorCode.PROVIDER_UNAVAILABLE,
          `not connected to KumoMTA${this.#downReason ? `: ${this.#downReason}` : ""}`,
        ),
      });
    }
    this.#inFlight++;
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const settle = (result: SendResult) => {
        if (settled) return;
        settled = true;
        stopWatching();
        this.#inFlight--; // before the session says a connection is free, so demand() sees it
        resolve(outcomeOf(result));
      };
      // A cast to a session that dies before handling it is dropped: its exit fails the send
      // instead.
      const stopWatching = session.onExit(() =>
        settle({
          ok: false,
          error: Object.assign(new Error("the SMTP session stopped before the message was sent"), {
            code: "ENOTSENT",
          }),
        }),
      );
      session.cast({ mail: nodemailerMail(mail), settle });
    });
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookReply> {
    if (!this.#receiver) {
      return {
        status: 403,
        contentType: "application/json",
        body: '{"error":"this route has no webhook.secret configured, so it accepts no KumoMTA log hooks"}\n',
      };
    }
    return this.#receiver.handle(request);
  }

  health(): AdapterHealth {
    if (this.#http) {
      if (this.#consecutiveHttpFailures >= 10)
        return {
          state: RouteState.DEGRADED,
          reason: `${this.#consecutiveHttpFailures} failed HTTP injections in a row`,
        };
      return { state: RouteState.UP, detail: { injection: "http" } };
    }
    const detail = {
      injection: "smtp",
      kumomta: `${this.#config.smtp.host}:${this.#config.smtp.port}`,
      in_flight: String(this.#inFlight),
    };
    if (this.#connectedSession) return { state: RouteState.UP, detail };
    if (this.#downReason) return { state: RouteState.DOWN, reason: this.#downReason, detail };
    return { state: RouteState.DEGRADED, reason: "connecting to KumoMTA", detail };
  }

  async stop(): Promise<void> {
    // The session stops with the route's supervisor; in-flight sends then fail retryably.
    this.#session = undefined;
  }
}

function outcomeOf(result: SendResult): SendOutcome {
  if (!result.ok) return classifySmtpError(result.error).outcome;
  const ids = spoolIdsOf(result.response);
  const detail = { injection: "smtp", smtp_response: result.response.slice(0, 512) };
  if (ids.length > 0)
    return { kind: "submitted", providerMessageId: ids[0], extraProviderIds: ids.slice(1), detail };
  // Not KumoMTA's reply format (another relay in between?): the Message-ID is the best id there is.
  return { kind: "submitted", providerMessageId: result.messageId, detail };
}

function nodemailerMail(mail: OutgoingMail): Mail.Options {
  return {
    from: { name: mail.from.name ?? "", address: mail.from.address },
    to: { name: mail.to.name ?? "", address: mail.to.address },
    envelope: { from: mail.envelopeSender, to: [mail.recipient] },
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename || undefined,
      contentType: a.contentType,
      content: Buffer.from(a.content),
      cid: a.cid,
    })),
  };
}

/** Builds an email route's adapter that injects into KumoMTA (docs/email-kumomta.md). */
export const createSmtpAdapter: AdapterFactory = (config) =>
  new SmtpAdapter(parseSmtpDriverConfig(config));

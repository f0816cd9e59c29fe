import nodemailer, { type Transporter } from "nodemailer";
import type Mail from "nodemailer/lib/mailer/index.js";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type { Logger } from "pino";
import { Actor, type ExitReason } from "../../kernel/index.js";
import type { SmtpInjectionConfig } from "./config.js";
import { classifySmtpError } from "./smtp-outcome.js";

/** One injection: the mail, and where its result goes (exactly once). */
export interface SendRequest {
  readonly mail: Mail.Options;
  settle(result: SendResult): void;
}

export type SendResult =
  | { readonly ok: true; readonly response: string; readonly messageId: string }
  | { readonly ok: false; readonly error: unknown };

/** What the adapter learns about its session. */
export interface SessionListener {
  /** The session verified its connection and takes sends. */
  up(session: KumoSmtpSession): void;
  /** The session cannot send; it will be restarted after a backoff. */
  down(session: KumoSmtpSession, reason: string): void;
  /** A send finished: a pooled connection is free again. */
  freed(): void;
}

type SessionInfo =
  | { readonly type: "connect" }
  | { readonly type: "done"; readonly request: SendRequest; readonly result: SendResult };

/**
 * The SMTP side of a KumoMTA route: a gen_server owning nodemailer's pool of
 * connections. It starts by verifying a connection (EHLO, STARTTLS, AUTH); a
 * refusal crashes it and its supervisor restarts it after a growing backoff,
 * so a KumoMTA that is down is retried without hammering it and without
 * failing the gateway's start. A send is a cast whose result comes back
 * through the mailbox; a send that finds the connection unusable (lost,
 * refused, TLS, authentication) crashes the session the same way, and every
 * send still in flight then fails retryably.
 */
export class KumoSmtpSession extends Actor<never, never, SendRequest, SessionInfo> {
  readonly #config: SmtpInjectionConfig;
  readonly #listener: SessionListener;
  readonly #inFlight = new Set<SendRequest>();
  #transport: Transporter<SMTPPool.SentMessageInfo> | undefined;
  #verified = false;

  constructor(
    config: SmtpInjectionConfig,
    listener: SessionListener,
    name: string,
    logger: Logger,
  ) {
    super({ name, logger });
    this.#config = config;
    this.#listener = listener;
  }

  get verified(): boolean {
    return this.#verified;
  }

  protected override init(): void {
    const c = this.#config;
    this.#transport = nodemailer.createTransport({
      pool: true,
      host: c.host,
      port: c.port,
      secure: c.secure,
      requireTLS: c.starttls === "required",
      ignoreTLS: c.starttls === "never",
      tls: {
        rejectUnauthorized: c.tls.rejectUnauthorized,
        ca: c.tls.ca,
        servername: c.tls.servername,
      },
      auth: c.auth ? { user: c.auth.user, pass: c.auth.pass } : undefined,
      authMethod: "PLAIN",
      maxConnections: c.maxConnections,
      maxMessages: c.maxMessages,
      // A connection lost mid-message is the router's to retry (and to count as a duplicate risk),
      // not the pool's.
      maxRequeues: 0,
      name: c.clientName,
      connectionTimeout: c.connectionTimeoutMs,
      greetingTimeout: c.connectionTimeoutMs,
      socketTimeout: c.socketTimeoutMs,
    } as SMTPPool.Options);
    // Connecting happens after init, so a KumoMTA that is down fails the session, not the route's
    // start.
    this.send({ type: "connect" }, "system");
  }

  protected override handleCast(request: SendRequest): void {
    if (!this.#verified || !this.#transport) {
      request.settle({
        ok: false,
        error: Object.assign(new Error("the SMTP session is not connected"), { code: "ENOTSENT" }),
      });
      return;
    }
    this.#inFlight.add(request);
    this.#transport.sendMail(request.mail).then(
      (info) =>
        this.send({
          type: "done",
          request,
          result: { ok: true, response: info.response, messageId: info.messageId },
        }),
      (error: unknown) => this.send({ type: "done", request, result: { ok: false, error } }),
    );
  }

  protected override async handleInfo(msg: SessionInfo): Promise<void> {
    if (msg.type === "connect") {
      try {
        await this.#transport!.verify();
      } catch (error) {
        const reason = classifySmtpError(error).outcome.error.message;
        this.#listener.down(this, reason);
        throw new Error(reason, { cause: error });
      }
      this.#verified = true;
      this.#listener.up(this);
      return;
    }
    if (msg.type !== "done" || !this.#inFlight.delete(msg.request)) return; // not ours, or already failed by terminate
    msg.request.settle(msg.result);
    this.#listener.freed();
    if (!msg.result.ok) {
      const failure = classifySmtpError(msg.result.error);
      if (failure.connectionFault) {
        this.#verified = false;
        this.#listener.down(this, failure.outcome.error.message);
        this.exit(new Error(failure.outcome.error.message, { cause: msg.result.error }));
      }
    }
  }

  protected override terminate(reason: ExitReason): void {
    this.#verified = false;
    this.#transport?.close();
    const lost = Object.assign(
      new Error(
        `the SMTP session stopped (${reason instanceof Error ? reason.message : JSON.stringify(reason)}) while the message was in flight`,
      ),
      {
        code: "ECONNECTION",
      },
    );
    for (const request of this.#inFlight) request.settle({ ok: false, error: lost });
    const freed = this.#inFlight.size > 0;
    this.#inFlight.clear();
    if (freed) this.#listener.freed();
  }

  protected override describe(): Record<string, string> {
    return {
      kumomta: `${this.#config.host}:${this.#config.port}`,
      connected: String(this.#verified),
      in_flight: String(this.#inFlight.size),
      max_connections: String(this.#config.maxConnections),
    };
  }
}

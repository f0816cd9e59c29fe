import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { SMTPServer } from "smtp-server";
import { createHttpApi } from "./http-api.js";
import { LogHookPublisher, type LogHookOptions } from "./log-hook-publisher.js";
import type { LoggerFields } from "./log-records.js";
import type { Mix } from "./outcomes.js";
import { createSmtpListener } from "./smtp-listener.js";
import { Spool, type SpoolCounters } from "./spool.js";

/**
 * A stand-in for KumoMTA (no real one can run here): its ESMTP listener and
 * HTTP injection API on loopback, a queue that plays each message's fate
 * (chosen by recipient local part: permfail@, tempfail@,
 * tempfail-then-deliver@, expire@, quota@, complaint@, reject-rcpt[-temp]@,
 * reject-data[-temp]@, drop-once@; others follow `mix`, default delivered), and a log
 * hook posting KumoMTA's JSON log records to a webhook, in order, batched on
 * request, retried on failure.
 */
export interface KumoSimulatorOptions {
  readonly host?: string;
  /** 0 (default) picks a free port; KumoMTA's own default is 2025. */
  readonly smtpPort?: number;
  /** HTTP listener port (0 picks one), or false for none. */
  readonly httpPort?: number | false;
  readonly hostname?: string;
  /** Offer STARTTLS (default true, as KumoMTA). */
  readonly starttls?: boolean;
  readonly tls?: { readonly key: string; readonly cert: string };
  /** AUTH PLAIN users (SMTP) and HTTP Basic users (inject API). */
  readonly authUsers?: Readonly<Record<string, string>>;
  /** Peers that may relay without AUTH (default loopback). */
  readonly relayHosts?: readonly string[];
  readonly maxMessageSize?: number;
  readonly maxRecipientsPerMessage?: number;
  readonly maxMessagesPerConnection?: number;
  readonly logHook?: LogHookOptions;
  /**
   * What records capture: `headers` and `meta` of configure_log_hook (default X-Hermes-Message-Id,
   * Subject; tenant, campaign).
   */
  readonly logFields?: Partial<LoggerFields>;
  readonly tenantHeader?: string;
  readonly campaignHeader?: string;
  /** Time between a message's log records (default 5 ms). */
  readonly stepDelayMs?: number;
  readonly mix?: Mix;
}

export class KumoSimulator {
  readonly smtpPort: number;
  /** Base URL of the HTTP listener, if started. */
  readonly httpUrl: string | undefined;
  readonly spool: Spool;
  readonly #smtp: SMTPServer;
  readonly #http: Server | undefined;

  private constructor(
    smtpPort: number,
    httpUrl: string | undefined,
    spool: Spool,
    smtp: SMTPServer,
    http: Server | undefined,
  ) {
    this.smtpPort = smtpPort;
    this.httpUrl = httpUrl;
    this.spool = spool;
    this.#smtp = smtp;
    this.#http = http;
  }

  static async start(options: KumoSimulatorOptions = {}): Promise<KumoSimulator> {
    const host = options.host ?? "127.0.0.1";
    const spool = new Spool(
      {
        fields: {
          headers: options.logFields?.headers ?? ["X-Hermes-Message-Id", "Subject"],
          meta: options.logFields?.meta ?? ["tenant", "campaign"],
        },
        tenantHeader: options.tenantHeader ?? "X-Tenant",
        campaignHeader: options.campaignHeader ?? "X-Campaign",
        stepDelayMs: options.stepDelayMs ?? 5,
      },
      options.logHook ? new LogHookPublisher(options.logHook) : undefined,
    );
    const smtp = createSmtpListener(spool, {
      hostname: options.hostname ?? "kumomta.sim",
      starttls: options.starttls ?? true,
      tls: options.tls,
      authUsers: options.authUsers,
      relayHosts: options.relayHosts ?? ["127.0.0.1", "::1", "::ffff:127.0.0.1"],
      maxMessageSize: options.maxMessageSize ?? 20 * 1024 * 1024,
      maxRecipientsPerMessage: options.maxRecipientsPerMessage ?? 1024,
      maxMessagesPerConnection: options.maxMessagesPerConnection ?? 10_000,
      mix: options.mix,
    });
    smtp.listen(options.smtpPort ?? 0, host);
    await once(smtp.server, "listening");
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    let http: Server | undefined;
    let httpUrl: string | undefined;
    if (options.httpPort !== false) {
      http = createHttpApi(spool, { authUsers: options.authUsers, mix: options.mix }, () =>
        metricsOf(spool.counters, spool.publisher),
      );
      http.listen(options.httpPort ?? 0, host);
      await once(http, "listening");
      httpUrl = `http://${host}:${(http.address() as AddressInfo).port}`;
    }
    return new KumoSimulator(smtpPort, httpUrl, spool, smtp, http);
  }

  /** The log hook's publisher, if one is attached. */
  get publisher(): LogHookPublisher | undefined {
    return this.spool.publisher;
  }

  /** Points the log hook at a webhook (replacing any earlier one). */
  async attachLogHook(options: LogHookOptions): Promise<void> {
    await this.spool.publisher?.close();
    this.spool.publisher = new LogHookPublisher(options);
  }

  get counters(): SpoolCounters {
    return this.spool.counters;
  }

  /** Resolves once every message's records are logged and posted. */
  async settled(): Promise<void> {
    await this.spool.settled();
    await this.publisher?.drain();
  }

  async close(): Promise<void> {
    this.spool.stop();
    await this.publisher?.close();
    await new Promise<void>((resolve) => this.#smtp.close(() => resolve()));
    if (this.#http) {
      this.#http.closeAllConnections();
      await new Promise<void>((resolve) => this.#http!.close(() => resolve()));
    }
  }
}

function metricsOf(
  counters: SpoolCounters,
  publisher: LogHookPublisher | undefined,
): Record<string, number> {
  return {
    total_messages_received: counters.received,
    total_messages_delivered: counters.delivered,
    total_messages_fail: counters.bounced + counters.expired,
    total_messages_transfail: counters.transientFailures,
    log_hook_records_posted: publisher?.posted ?? 0,
    log_hook_post_retries: publisher?.retried ?? 0,
  };
}

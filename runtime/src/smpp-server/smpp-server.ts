import { createHash, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { setTimeout as delay } from "node:timers/promises";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { HermesError } from "../errors/hermes-error.js";
import type { EventBus } from "../events/event-bus.js";
import type { SmppServerHealthSchema } from "../gen/hermes/v1/admin_service_pb.js";
import { Channel, MessageSchema, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { Router } from "../router/router.js";
import { isTerminal } from "../store/message-state.js";
import type { MessageStore } from "../store/message-store.js";
import { Account, type BindRole, receives, transmits } from "./account.js";
import { AccountOutbox } from "./account-outbox.js";
import { BindGuard } from "./bind-guard.js";
import {
  type CompletedGroup,
  ConcatenatedSubmits,
  type Envelope,
  type SubmitAnswer,
} from "./concatenated-submits.js";
import type { SmppServerConfig } from "./config.js";
import { EventFollower } from "./event-follower.js";
import { verifyPassword } from "./passwords.js";
import { SmppServerMetrics } from "./server-metrics.js";
import { ServerSession, type SessionHost } from "./server-session.js";
import type { OutboxEntry, SmppServerStore } from "./server-store.js";
import { serverStatus, statusOfRefusal } from "./status.js";
import type { SubmitRequest } from "./submit-reader.js";

export interface SmppServerOptions {
  readonly config: SmppServerConfig;
  /** The accept path `Send` takes: validation, routing, the durable store. */
  readonly router: Router;
  readonly messages: MessageStore;
  /** Committed events: final statuses become receipts, inbound messages MO. */
  readonly bus: EventBus;
  readonly store: SmppServerStore;
  /** The gateway's metrics registry. */
  readonly registry: Registry;
  readonly log: Logger;
}

const purgeEveryMs = 60_000;

/**
 * Hermes as an SMSC: an SMPP 3.4 server (TCP, and TLS when configured) for
 * customers' ESMEs. Binds authenticate against the configured accounts;
 * submits go through the router's accept path, as `Send` does, and are
 * answered only once stored; final statuses, MO messages and (when asked)
 * email outcomes come back as deliver_sm through each account's durable
 * outbox. docs/smpp-server.md describes it from the ESME's side.
 */
export class SmppServer {
  readonly #options: SmppServerOptions;
  readonly #accounts = new Map<string, Account>();
  readonly #outboxes = new Map<string, AccountOutbox>();
  readonly #sessions = new Set<ServerSession>();
  readonly #servers: net.Server[] = [];
  readonly #guard: BindGuard;
  readonly #follower: EventFollower;
  readonly #concatenated: ConcatenatedSubmits;
  readonly #metrics: SmppServerMetrics;
  readonly #host: SessionHost;
  #unsubscribe: (() => void) | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #port = 0;
  #tlsPort: number | undefined;
  #lastPurge = Date.now();

  private constructor(options: SmppServerOptions) {
    this.#options = options;
    const { config, store, log } = options;
    this.#guard = new BindGuard(config);
    const emailAccounts = new Map<string, string[]>();
    for (const account of config.accounts) {
      this.#accounts.set(account.systemId, new Account(account));
      this.#outboxes.set(
        account.systemId,
        new AccountOutbox(
          account.systemId,
          store,
          {
            window: config.receiptWindow,
            timeoutMs: config.receiptTimeoutMs,
            retryMs: config.receiptRetryMs,
          },
          {
            sent: (e) => this.#metrics.deliver(e.account, e.kind, "sent"),
            acknowledged: (e) => this.#metrics.deliver(e.account, e.kind, "acknowledged"),
            retried: (e) => this.#metrics.deliver(e.account, e.kind, "retried"),
          },
          log,
        ),
      );
      if (account.emailReceipts)
        emailAccounts.set(account.tenant, [
          ...(emailAccounts.get(account.tenant) ?? []),
          account.systemId,
        ]);
    }
    this.#follower = new EventFollower({
      store,
      messages: options.messages,
      mo: config.mo,
      emailAccounts,
      receiptTtlMs: config.receiptTtlSeconds * 1000,
      queued: (entries) => this.#queued(entries),
      log,
    });
    this.#concatenated = new ConcatenatedSubmits(
      store,
      config.partsTimeoutMs,
      (group) => {
        const account = this.#accounts.get(group.account);
        if (account) return this.#accept(account, group.envelope, group.text, group);
        // Parts stored before a restart for an account the config no longer has: dropped.
        log.warn(
          { account: group.account, group: group.groupId },
          "parts of an unknown account dropped",
        );
        return this.#options.store
          .dropGroup(group.groupId)
          .then(() => ({ status: serverStatus.ok }));
      },
      log,
    );
    this.#metrics = new SmppServerMetrics(
      options.registry,
      () =>
        [...this.#accounts.values()].map((a) => ({
          account: a.systemId,
          binds: {
            transmitter: a.bindsOf("transmitter"),
            receiver: a.bindsOf("receiver"),
            transceiver: a.bindsOf("transceiver"),
          },
          windowUsed: a.inFlight,
          partsPerSecond: a.partsPerSecond,
        })),
      () => store.waiting(Date.now()),
    );
    this.#host = this.#sessionHost();
  }

  /**
   * Reads back what the store kept (parts of concatenated submits, messages
   * owed a receipt), follows the bus, then listens: the plain port, and the
   * TLS port when configured.
   */
  static async start(options: SmppServerOptions): Promise<SmppServer> {
    const server = new SmppServer(options);
    try {
      await server.#start();
    } catch (reason) {
      await server.close();
      throw reason;
    }
    return server;
  }

  async #start(): Promise<void> {
    const { config, bus, log } = this.#options;
    // Subscribed first: a status committed while the restore reads is not missed.
    this.#unsubscribe = bus.subscribe((event) => this.#follower.onEvent(event));
    await this.#follower.restore();
    const parts = await this.#concatenated.restore();
    if (parts > 0) log.info({ parts }, "SMPP server: parts of concatenated submits read back");
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(1000, config.receiptTimeoutMs));
    this.#sweeper.unref();
    this.#port = await this.#listen(net.createServer(), config.port);
    if (config.tls)
      this.#tlsPort = await this.#listen(
        tls.createServer({ cert: config.tls.cert, key: config.tls.key }),
        config.tls.port,
      );
    log.info(
      { port: this.#port, tlsPort: this.#tlsPort, accounts: config.accounts.length },
      "SMPP server listening",
    );
  }

  /** The plain TCP port it listens on. */
  get port(): number {
    return this.#port;
  }

  /** The TLS port, when configured. */
  get tlsPort(): number | undefined {
    return this.#tlsPort;
  }

  async #listen(server: net.Server, port: number): Promise<number> {
    // TLS sockets are ready once the handshake is done (secureConnection).
    const event = server instanceof tls.Server ? "secureConnection" : "connection";
    server.on(event, (socket: net.Socket) => this.#connection(socket));
    server.on("error", (err) => this.#options.log.error({ err }, "SMPP server listener failed"));
    if (server instanceof tls.Server) server.on("tlsClientError", () => undefined); // a failed handshake concerns that client only
    server.listen(port, this.#options.config.host);
    await once(server, "listening");
    this.#servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  #connection(socket: net.Socket): void {
    socket.on("error", () => undefined); // reported through the session's close
    // A receiver whose network went away silently would hold its deliver_sm until TCP noticed.
    socket.setKeepAlive(true, 30_000);
    const address = socket.remoteAddress ?? "unknown";
    if (!this.#guard.connected(address)) {
      socket.destroy();
      return;
    }
    const session = new ServerSession(socket, this.#host);
    this.#sessions.add(session);
    socket.once("close", () => this.#sessions.delete(session));
  }

  #sessionHost(): SessionHost {
    const { config, log } = this.#options;
    return {
      maxPduBytes: config.maxPduBytes,
      bindTimeoutMs: config.bindTimeoutMs,
      authenticate: (systemId, password, role, address) =>
        this.#authenticate(systemId, password, role, address),
      bindAttempt: (address) => {
        if (this.#guard.bindAttempt(address)) return true;
        this.#metrics.bind("", "flood");
        log.warn({ address }, "SMPP bind flood: connection closed");
        return false;
      },
      bound: (account, bind) => {
        account.binds.add(bind);
        this.#bindsChanged(account);
        log.info(
          { account: account.systemId, role: bind.role, address: bind.address },
          "ESME bound",
        );
      },
      unbound: (account, bind) => {
        if (!account.binds.delete(bind)) return;
        this.#bindsChanged(account);
        log.info({ account: account.systemId, role: bind.role }, "ESME unbound");
      },
      closed: (address) => this.#guard.disconnected(address),
      submit: (account, request) => this.#submit(account, request),
      answered: (account, bind, sequence, status) =>
        this.#outboxes.get(account.systemId)?.answered(bind, sequence, status),
      submitAnswered: (account, status) => this.#metrics.submit(account, status),
    };
  }

  /**
   * A bind's credentials and rights. A refusal is ESME_RBINDFAIL whatever
   * was wrong (so a guesser learns nothing), after a delay that doubles with
   * each failure from the address in a row; a full account is refused at once.
   */
  async #authenticate(
    systemId: string,
    password: string,
    role: BindRole,
    address: string,
  ): Promise<Account | number> {
    const account = this.#accounts.get(systemId);
    const allowed =
      !!account &&
      (await passwordMatches(account, password)) &&
      (!transmits(role) || account.config.scopes.includes("send")) &&
      (!receives(role) || account.config.scopes.includes("read"));
    if (!allowed) {
      this.#metrics.bind(account ? systemId : "", "refused");
      this.#options.log.warn({ systemId, address, role }, "SMPP bind refused");
      await delay(this.#guard.failed(address));
      return serverStatus.bindFailed;
    }
    this.#guard.succeeded(address);
    if (account.binds.size >= account.config.maxBinds) {
      this.#metrics.bind(systemId, "max_binds");
      return serverStatus.bindFailed;
    }
    this.#metrics.bind(systemId, "ok");
    return account;
  }

  #bindsChanged(account: Account): void {
    this.#outboxes.get(account.systemId)?.bindsChanged(account.receivingBinds());
  }

  async #submit(account: Account, request: SubmitRequest): Promise<SubmitAnswer> {
    this.#metrics.parts(account.systemId, request.parts);
    if (request.part) return this.#concatenated.add(account.systemId, request);
    return this.#accept(account, request, request.text);
  }

  /**
   * A whole message through the accept path, as `Send` takes it; the
   * account's submission is recorded (for its receipt) before the answer.
   * A concatenated message carries its group as idempotency key, so
   * accepting it again after a restart returns the first.
   */
  async #accept(
    account: Account,
    envelope: Envelope,
    text: string,
    group?: CompletedGroup,
  ): Promise<SubmitAnswer> {
    const metadata: Record<string, string> = { smpp_account: account.systemId };
    if (group) metadata.smpp_parts = String(group.total);
    if (group?.incomplete) metadata.smpp_incomplete = "true";
    const message = create(MessageSchema, {
      channel: Channel.SMS,
      to: { kind: { case: "phone", value: envelope.to } },
      from: envelope.from ? { kind: { case: "phone", value: envelope.from } } : undefined,
      content: { text },
      priority: envelope.priority,
      metadata,
      idempotencyKey: group ? `smpp-concat:${group.groupId}` : "",
    });
    let outcome: Awaited<ReturnType<Router["accept"]>>[number];
    try {
      [outcome] = await this.#options.router.accept(account.config.tenant, [message]);
    } catch (reason) {
      this.#options.log.error(
        { err: reason, account: account.systemId },
        "storing an SMPP submit failed",
      );
      return { status: statusOfRefusal(HermesError.from(reason)) };
    }
    if (!outcome!.ok) return { status: statusOfRefusal(outcome!.error) };
    const stored = outcome!.message;
    // No route serves the tenant: stored REJECTED, as Send stores it, and never sent.
    if (stored.status === MessageStatus.REJECTED) return { status: serverStatus.submitFailed };
    if (!(outcome!.duplicate && isTerminal(stored.status))) {
      const submitted = {
        messageId: stored.id,
        account: account.systemId,
        registeredDelivery: envelope.registeredDelivery,
        // The completing part was answered with the message's id; a timed-out group's never was.
        receiptIds: group?.incomplete ? group.partIds : [...(group?.partIds ?? []), stored.id],
        source: envelope.source,
        destination: envelope.destination,
        submittedAt: Date.now(),
      };
      this.#follower.track(submitted);
      await this.#options.store.remember(submitted, group?.groupId);
    }
    return { status: serverStatus.ok, id: stored.id };
  }

  #queued(entries: readonly OutboxEntry[]): void {
    const byAccount = new Map<string, OutboxEntry[]>();
    for (const entry of entries)
      byAccount.set(entry.account, [...(byAccount.get(entry.account) ?? []), entry]);
    for (const [account, list] of byAccount) this.#outboxes.get(account)?.added(list);
  }

  #sweep(): void {
    for (const outbox of this.#outboxes.values()) outbox.sweep();
    const now = Date.now();
    if (now - this.#lastPurge < purgeEveryMs) return;
    this.#lastPurge = now;
    this.#options.store
      .purgeExpired(now)
      .then((n) => n > 0 && this.#options.log.info({ expired: n }, "expired receipts dropped"))
      .catch((err) => this.#options.log.error({ err }, "purging expired receipts failed"));
  }

  /** Its ports, and every account with at least one bind: binds, window use, throughput, outbox. */
  async health(): Promise<MessageInitShape<typeof SmppServerHealthSchema>> {
    const waiting = await this.#options.store.waiting(Date.now());
    const accounts = [...this.#accounts.values()]
      .filter((account) => account.binds.size > 0)
      .map((account) => ({
        systemId: account.systemId,
        tenant: account.config.tenant,
        transmitters: account.bindsOf("transmitter"),
        receivers: account.bindsOf("receiver"),
        transceivers: account.bindsOf("transceiver"),
        maxBinds: account.config.maxBinds,
        windowUsed: account.inFlight,
        window: account.config.window,
        partsPerSecond: account.partsPerSecond,
        throughput: account.config.throughput,
        deliverInFlight: this.#outboxes.get(account.systemId)?.inFlight ?? 0,
        outboxWaiting: BigInt(waiting.get(account.systemId) ?? 0),
      }));
    return { port: this.#port, tlsPort: this.#tlsPort ?? 0, accounts };
  }

  /** Stops listening, drops every connection, and closes its store. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#concatenated.stop();
    const closing = this.#servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const session of this.#sessions) session.destroy();
    await Promise.all(closing);
    await this.#options.store.close();
  }
}

/** A bind's password against the account's: scrypt, or (development) plaintext compared as digests. */
async function passwordMatches(account: Account, password: string): Promise<boolean> {
  const { passwordScrypt, password: plain } = account.config;
  if (passwordScrypt) return verifyPassword(password, passwordScrypt);
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(password), digest(plain ?? ""));
}

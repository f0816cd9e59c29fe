import type { Logger } from "pino";
import { callTimeoutError, droppedError, exitedError } from "./errors.js";
import { PriorityMailbox, type MailboxDepth, type Priority } from "./mailbox.js";
import {
  formatReason,
  isNormalExit,
  ProcessBase,
  toExitReason,
  type ExitReason,
  type Process,
  type ProcessKind,
  type ProcessSnapshot,
} from "./process.js";

/** Options every actor accepts (pass them to `super`). */
export interface ActorOptions {
  /** Name in logs and snapshots; defaults to the class name and a sequence number. */
  readonly name?: string;
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /** Bound of the log priority class (oldest dropped first); default 1000. */
  readonly logCapacity?: number;
}

export interface CallOptions {
  /** Default "main". */
  readonly priority?: Priority;
  /** Default 5000 ms, as gen_server:call; `Infinity` waits forever. */
  readonly timeoutMs?: number;
}

export interface CastOptions {
  /** Default "main". */
  readonly priority?: Priority;
}

/** What a process trapping exits receives in `handleInfo` when a linked process exits. */
export interface ExitMessage {
  readonly type: "EXIT";
  readonly from: Process;
  readonly reason: ExitReason;
}

/** What `handleInfo` receives when a process watched with `this.monitor` exits. */
export interface DownMessage {
  readonly type: "DOWN";
  readonly process: Process;
  readonly reason: ExitReason;
}

type Envelope =
  | {
      readonly kind: "call";
      readonly msg: unknown;
      settle: ((ok: boolean, value: unknown) => void) | undefined;
    }
  | { readonly kind: "cast"; readonly msg: unknown }
  | { readonly kind: "info"; readonly msg: unknown };

/** Phases of the mailbox loop; `ProcessBase.state` is the public view. */
type Phase = "new" | "running" | "stopping" | "exited";

const defaultCallTimeoutMs = 5000;
let sequence = 0;

/**
 * A gen_server: isolated state behind a priority mailbox processed one
 * message at a time (the next handler starts only once the previous one has
 * settled). A handler that throws crashes the actor: `terminate` runs, pending
 * callers are rejected and the exit reason reaches its supervisor and links.
 *
 * Subclasses override `init`, `handleCall`, `handleCast`, `handleInfo` and
 * `terminate` (all may be async) and `describe` for the tree snapshot.
 */
export abstract class Actor<
  TCall = unknown,
  TReply = unknown,
  TCast = unknown,
  TInfo = unknown,
> extends ProcessBase {
  readonly kind: ProcessKind = "worker";
  /** Set in `init` to receive links' exits as `ExitMessage`s (process_flag(trap_exit, true)). */
  protected trapExits = false;
  readonly #mailbox: PriorityMailbox<Envelope>;
  readonly #timers = new Set<NodeJS.Timeout>();
  #phase: Phase = "new";
  /** The running mailbox loop, if any: `stop` waits for its current message. */
  #loop: Promise<void> | undefined;
  #current: Envelope | undefined;
  #terminating: Promise<void> | undefined;

  constructor(options: ActorOptions = {}) {
    super(options.name ?? `${new.target.name}<${++sequence}>`, options.logger);
    this.#mailbox = new PriorityMailbox(options.logCapacity ?? 1000);
  }

  /** Runs `init`, then serves the mailbox. Rejects (and exits) if `init` throws. */
  async start(): Promise<this> {
    if (this.#phase !== "new") throw new Error(`${this.name} already started`);
    this.#phase = "running";
    try {
      await this.init();
    } catch (thrown) {
      this.#finish(toExitReason(thrown));
      throw thrown;
    }
    // It may have exited during init (exit called, a link fired): report why.
    if (this.#phase !== "running") throw exitedError(this.name, await this.exited);
    this.setState("running");
    this.#schedule();
    return this;
  }

  /** Sends a request and waits for the reply (`handleCall`'s result). */
  call(msg: TCall, options: CallOptions = {}): Promise<TReply> {
    if (!this.alive) return Promise.reject(exitedError(this.name, this.exitReason ?? "normal"));
    const timeoutMs = options.timeoutMs ?? defaultCallTimeoutMs;
    return new Promise<TReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const envelope: Extract<Envelope, { kind: "call" }> = {
        kind: "call",
        msg,
        settle: (ok, value) => {
          envelope.settle = undefined; // a late reply after a timeout is dropped, as in OTP
          if (timer) clearTimeout(timer);
          if (ok) resolve(value as TReply);
          else reject(value);
        },
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(
          () => envelope.settle?.(false, callTimeoutError(this.name, timeoutMs)),
          timeoutMs,
        );
      }
      this.#enqueue(options.priority ?? "main", envelope);
    });
  }

  /** Sends a message without waiting (`handleCast`); dropped if the actor has exited. */
  cast(msg: TCast, options: CastOptions = {}): void {
    this.#enqueue(options.priority ?? "main", { kind: "cast", msg });
  }

  /** Delivers a message to `handleInfo`, as a plain Erlang send does. */
  send(msg: TInfo, priority: Priority = "main"): void {
    this.#enqueue(priority, { kind: "info", msg });
  }

  /** Messages waiting, all classes together; `mailboxDetail()` splits them. */
  mailboxDepth(): number {
    return this.#mailbox.size;
  }

  /** Messages waiting per class, and how many log messages were dropped. */
  mailboxDetail(): MailboxDepth {
    return this.#mailbox.depth();
  }

  /**
   * Stops after the current message (the rest of the mailbox is dropped and
   * its callers rejected), running `terminate`. Inside a handler, use
   * `this.exit` instead: awaiting `stop` there would wait for itself.
   */
  async stop(reason: ExitReason = "normal"): Promise<void> {
    if (this.#phase === "new") this.#finish(reason);
    if (this.#phase !== "running") {
      await this.exited;
      return;
    }
    this.#phase = "stopping";
    this.setState("stopping");
    await this.#loop;
    await this.#terminate(reason);
  }

  kill(): void {
    this.#finish("killed");
  }

  exitSignal(reason: ExitReason, from: Process): void {
    if (!this.alive) return;
    if (this.trapExits)
      this.#enqueue("system", {
        kind: "info",
        msg: { type: "EXIT", from, reason } satisfies ExitMessage,
      });
    else if (reason !== "normal") this.#finish(reason);
  }

  snapshot(): ProcessSnapshot {
    const exitReason = this.exitReason;
    const detail = this.describe();
    return {
      name: this.name,
      kind: this.kind,
      state: this.state,
      restarts: 0,
      mailboxDepth: this.#mailbox.size,
      children: [],
      detail:
        exitReason === undefined ? detail : { ...detail, exit_reason: formatReason(exitReason) },
    };
  }

  /**
   * Exits from outside a handler (a socket closed) or from inside one: the
   * current message finishes, `terminate(reason)` runs, then the actor exits.
   * An `Error` is a crash its supervisor restarts.
   */
  protected exit(reason: ExitReason): void {
    void this.stop(reason);
  }

  /**
   * Delivers `msg` to `handleInfo` after `ms`; cancelled when the actor exits. Returns a cancel
   * function.
   */
  protected sendAfter(ms: number, msg: TInfo, priority: Priority = "main"): () => void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.send(msg, priority);
    }, ms);
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /**
   * Watches `process`: its exit arrives as a `DownMessage` (system priority). Returns demonitor.
   */
  protected monitor(process: Process): () => void {
    return process.onExit((reason) =>
      this.#enqueue("system", {
        kind: "info",
        msg: { type: "DOWN", process, reason } satisfies DownMessage,
      }),
    );
  }

  /** Extra details for the snapshot (bind state, window use). */
  protected describe(): Record<string, string> {
    return {};
  }

  protected init(): void | Promise<void> {}

  protected handleCall(msg: TCall): TReply | Promise<TReply> {
    throw new Error(`${this.name}: unexpected call ${JSON.stringify(msg)}`);
  }

  protected handleCast(msg: TCast): void | Promise<void> {
    throw new Error(`${this.name}: unexpected cast ${JSON.stringify(msg)}`);
  }

  protected handleInfo(msg: TInfo | ExitMessage | DownMessage): void | Promise<void> {
    // As gen_server's default: an unexpected message is logged, not fatal.
    this.log.warn({ process: this.name, msg }, "unexpected info message");
  }

  protected terminate(_reason: ExitReason): void | Promise<void> {}

  #enqueue(priority: Priority, envelope: Envelope): void {
    if (!this.alive) {
      if (envelope.kind === "call")
        envelope.settle?.(false, exitedError(this.name, this.exitReason ?? "normal"));
      return;
    }
    const dropped = this.#mailbox.push(priority, envelope);
    if (dropped?.kind === "call") dropped.settle?.(false, droppedError(this.name));
    this.#schedule();
  }

  #schedule(): void {
    if (this.#loop === undefined && this.#phase === "running" && this.state === "running")
      this.#loop = this.#serve();
  }

  async #serve(): Promise<void> {
    // Let the producer of this message finish its turn before handling it.
    await undefined;
    while (this.#phase === "running") {
      const envelope = this.#mailbox.shift();
      if (envelope === undefined) break;
      this.#current = envelope;
      try {
        let result = this.#dispatch(envelope);
        if (result instanceof Promise) result = await result;
        if (envelope.kind === "call" && this.alive) envelope.settle?.(true, result);
      } catch (thrown) {
        this.#loop = undefined;
        void this.#crash(thrown);
        return;
      }
    }
    this.#current = undefined;
    this.#loop = undefined;
  }

  #dispatch(envelope: Envelope): unknown {
    switch (envelope.kind) {
      case "call":
        return this.handleCall(envelope.msg as TCall);
      case "cast":
        return this.handleCast(envelope.msg as TCast);
      case "info":
        return this.handleInfo(envelope.msg as TInfo);
    }
  }

  async #crash(thrown: unknown): Promise<void> {
    if (this.#phase === "exited") return;
    const reason = toExitReason(thrown);
    this.log.error({ process: this.name, err: reason }, "actor crashed");
    const current = this.#current;
    this.#current = undefined;
    if (current?.kind === "call") current.settle?.(false, exitedError(this.name, reason));
    this.#phase = "stopping";
    this.setState("stopping");
    await this.#terminate(reason);
  }

  /** Runs `terminate` once, however many paths (stop, crash, exit) ask for it. */
  #terminate(reason: ExitReason): Promise<void> {
    this.#terminating ??= this.#runTerminate(reason);
    return this.#terminating;
  }

  async #runTerminate(reason: ExitReason): Promise<void> {
    try {
      await this.terminate(reason);
    } catch (thrown) {
      this.log.error({ process: this.name, err: thrown }, "terminate threw");
    }
    this.#finish(reason);
  }

  /** The end: timers off, waiting callers rejected, listeners told. Idempotent. */
  #finish(reason: ExitReason): void {
    if (this.#phase === "exited") return;
    this.#phase = "exited";
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const error = exitedError(this.name, reason);
    const current = this.#current;
    if (current?.kind === "call") current.settle?.(false, error);
    for (const envelope of this.#mailbox.drain())
      if (envelope.kind === "call") envelope.settle?.(false, error);
    if (!isNormalExit(reason) && reason !== "killed")
      this.log.debug({ process: this.name, reason: formatReason(reason) }, "actor exited");
    this.markExited(reason);
  }
}

import type { Logger } from "pino";
import { pino } from "pino";

/**
 * Why a process exited. As in OTP, "normal", "shutdown" and `{ shutdown }`
 * are normal exits (a transient child is not restarted, a link does not
 * propagate "normal"); "killed" comes from a brutal kill; an `Error` is a
 * crash: a handler threw, or the process called `exit(error)`.
 */
export type ExitReason = "normal" | "shutdown" | "killed" | { readonly shutdown: string } | Error;

/** The life cycle of a process, as the tree snapshot reports it. */
export type ProcessState =
  | "starting"
  | "running"
  | "restarting"
  | "stopping"
  | "stopped"
  | "failed";

/** What a process is, as the tree snapshot reports it. */
export type ProcessKind = "supervisor" | "worker";

/**
 * One node of the supervision tree, as `AdminService` health serves it
 * (converted to `hermes.v1.ProcessNode`).
 */
export interface ProcessSnapshot {
  readonly name: string;
  readonly kind: ProcessKind;
  readonly state: ProcessState;
  /** How many times the parent restarted this child. */
  readonly restarts: number;
  /** Messages waiting in the mailbox, all priority classes together. */
  readonly mailboxDepth: number;
  /** Supervisors: the strategy. */
  readonly strategy?: string;
  readonly children: readonly ProcessSnapshot[];
  /** Free-form details: carrier bind state, window use, last exit... */
  readonly detail: Readonly<Record<string, string>>;
}

/** Called once, when a process exits. */
export type ExitListener = (reason: ExitReason) => void;

/**
 * What a supervisor supervises and a link connects: actors and
 * supervisors all implement it. Implement it yourself only to wrap something
 * that is not an actor; extending `Actor` is the usual way.
 */
export interface Process {
  readonly name: string;
  readonly kind: ProcessKind;
  /** True from start until the process has exited. */
  readonly alive: boolean;
  /** Resolves (never rejects) with the exit reason once the process has exited. */
  readonly exited: Promise<ExitReason>;
  /**
   * Calls `listener` once when the process exits (at once, in a microtask,
   * if it already has). Returns a function that removes the listener.
   */
  onExit(listener: ExitListener): () => void;
  /**
   * Stops gracefully (an actor runs `terminate`, a supervisor stops its
   * children in reverse order) and resolves once exited.
   */
  stop(reason?: ExitReason): Promise<void>;
  /** Exits at once with "killed", skipping `terminate` (OTP's `exit(Pid, kill)`). */
  kill(): void;
  /**
   * Receives an exit signal from a linked process. A process that does not
   * trap exits ignores "normal" and exits with any other reason.
   */
  exitSignal(reason: ExitReason, from: Process): void;
  snapshot(): ProcessSnapshot;
}

/** True for the reasons OTP treats as a normal exit. */
export function isNormalExit(reason: ExitReason): boolean {
  return (
    reason === "normal" ||
    reason === "shutdown" ||
    (typeof reason === "object" && !(reason instanceof Error))
  );
}

/** Turns anything thrown into an exit reason: errors stay errors. */
export function toExitReason(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown), { cause: thrown });
}

/** A short text for logs and snapshots. */
export function formatReason(reason: ExitReason): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === "string" ? reason : `shutdown: ${reason.shutdown}`;
}

/** The default logger: silent, so the kernel logs only when given a logger. */
export const silentLogger: Logger = pino({ level: "silent" });

/**
 * The exit half every process shares: state, listeners and the `exited`
 * promise. Listeners run synchronously at exit so a supervisor observes a
 * crash before anything else can happen; a throwing listener is logged, not
 * propagated.
 */
export abstract class ProcessBase implements Process {
  abstract readonly kind: ProcessKind;
  readonly name: string;
  protected readonly log: Logger;
  #state: ProcessState = "starting";
  #reason: ExitReason | undefined;
  #listeners = new Set<ExitListener>();
  #resolveExited!: (reason: ExitReason) => void;
  readonly exited: Promise<ExitReason> = new Promise((resolve) => (this.#resolveExited = resolve));

  protected constructor(name: string, logger: Logger | undefined) {
    this.name = name;
    this.log = logger ?? silentLogger;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get alive(): boolean {
    return this.#reason === undefined;
  }

  /** The exit reason, once exited. */
  get exitReason(): ExitReason | undefined {
    return this.#reason;
  }

  onExit(listener: ExitListener): () => void {
    const reason = this.#reason;
    if (reason !== undefined) {
      queueMicrotask(() => this.#notify(listener, reason));
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected setState(state: ProcessState): void {
    if (this.alive) this.#state = state;
  }

  /**
   * Marks the process exited and tells the listeners; later calls are
   * ignored. The final state follows the reason unless given (a supervisor
   * that gave up exits with a shutdown reason but is "failed").
   */
  protected markExited(
    reason: ExitReason,
    state: "stopped" | "failed" = isNormalExit(reason) ? "stopped" : "failed",
  ): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#state = state;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) this.#notify(listener, reason);
    this.#resolveExited(reason);
  }

  #notify(listener: ExitListener, reason: ExitReason): void {
    try {
      listener(reason);
    } catch (error) {
      this.log.error({ err: error, process: this.name }, "exit listener threw");
    }
  }

  abstract stop(reason?: ExitReason): Promise<void>;
  abstract kill(): void;
  abstract exitSignal(reason: ExitReason, from: Process): void;
  abstract snapshot(): ProcessSnapshot;
}

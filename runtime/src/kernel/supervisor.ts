import type { Logger } from "pino";
import {
  resolveChildSpec,
  shouldRestart,
  shutdownChild,
  type ChildSpec,
  type ChildType,
  type ResolvedChildSpec,
} from "./child-spec.js";
import { supervisorError } from "./errors.js";
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
import {
  backoffDelay,
  RestartIntensity,
  validateBackoff,
  type Backoff,
} from "./restart-intensity.js";

/** OTP's restart strategies. */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one" | "simple_one_for_one";

/** A supervisor's flags and children, as data. */
export interface SupervisorSpec {
  readonly name: string;
  readonly strategy: Strategy;
  /** Restarts allowed within `period`; default 1, as OTP. */
  readonly intensity?: number;
  /** Default 5000 ms, as OTP. */
  readonly period?: number;
  /** Wait between restarts of a failing child; default none (OTP restarts at once). */
  readonly backoff?: Backoff;
  /** Started in order, stopped in reverse. For simple_one_for_one: exactly one template. */
  readonly children?: readonly ChildSpec[];
  readonly logger?: Logger;
}

/** One row of `whichChildren()`. */
export interface ChildInfo {
  readonly id: string;
  readonly process: Process | undefined;
  readonly state: "running" | "restarting" | "stopped";
  readonly type: ChildType;
}

/** What `countChildren()` returns, as OTP's count_children. */
export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

/** The supervisor's record of one child. */
interface ChildRecord {
  readonly spec: ResolvedChildSpec;
  /** Arguments of a simple_one_for_one child, given again on restart. */
  readonly args: readonly unknown[];
  process: Process | undefined;
  unwatch: (() => void) | undefined;
  restarts: number;
  /** Consecutive failures, for the backoff; reset after a quiet period. */
  failures: number;
  startedAt: number;
  lastExit: ExitReason | undefined;
  backoffTimer: NodeJS.Timeout | undefined;
}

const maxRestartIntensity = { shutdown: "reached_max_restart_intensity" } as const;

/**
 * An OTP supervisor: starts children in order, restarts them by strategy
 * and restart type, and gives up when restarts exceed the intensity; then it
 * stops its children in reverse order and exits with
 * `{ shutdown: "reached_max_restart_intensity" }`, which its own supervisor
 * handles by its strategy. Operations and child exits are handled one at a
 * time, as the messages of a gen_server are.
 */
export class Supervisor extends ProcessBase {
  readonly kind: ProcessKind = "supervisor";
  readonly strategy: Strategy;
  readonly #intensity: RestartIntensity;
  readonly #backoff: Backoff | undefined;
  readonly #resetAfterMs: number;
  #children: ChildRecord[] = [];
  #template: ResolvedChildSpec | undefined;
  #dynamicIds = 0;
  #ops: Promise<unknown> = Promise.resolve();
  #stopping = false;

  private constructor(spec: SupervisorSpec) {
    super(spec.name, spec.logger);
    this.strategy = spec.strategy;
    this.#intensity = new RestartIntensity(spec.intensity ?? 1, spec.period ?? 5000);
    if (spec.backoff) validateBackoff(spec.backoff);
    this.#backoff = spec.backoff;
    this.#resetAfterMs =
      spec.backoff?.resetAfterMs ?? Math.max(spec.backoff?.maxMs ?? 0, this.#intensity.period);
  }

  /**
   * Starts a supervisor and its children in order. If a child fails to
   * start, the ones started are stopped in reverse and this rejects.
   */
  static async start(spec: SupervisorSpec): Promise<Supervisor> {
    const supervisor = new Supervisor(spec);
    await supervisor.#init(spec.children ?? []);
    return supervisor;
  }

  /**
   * Adds and starts a child. For simple_one_for_one pass the arguments for
   * the template's `start` instead (OTP's start_child(Sup, ExtraArgs)); the
   * child's id is the template id with a sequence number.
   */
  startChild(specOrArgs: ChildSpec | readonly unknown[] = []): Promise<Process> {
    return this.#serial(async () => {
      const record = this.#newRecord(specOrArgs);
      await this.#startRecord(record);
      this.#children.push(record);
      return record.process!;
    });
  }

  /** Stops a child as its spec says; its spec stays unless temporary or dynamic. */
  terminateChild(idOrProcess: string | Process): Promise<void> {
    return this.#serial(async () => {
      const record = this.#find(idOrProcess);
      await this.#shutdownRecords([record]);
      if (this.#isForgotten(record)) this.#remove(record);
    });
  }

  /** Starts a stopped child again (not simple_one_for_one). */
  restartChild(id: string): Promise<Process> {
    return this.#serial(async () => {
      const record = this.#findStatic(id);
      if (record.process) throw supervisorError(this.name, `child ${id} is running`);
      this.#cancelBackoff(record);
      await this.#startRecord(record);
      return record.process!;
    });
  }

  /** Forgets a stopped child's spec (not simple_one_for_one). */
  deleteChild(id: string): Promise<void> {
    return this.#serial(async () => {
      const record = this.#findStatic(id);
      if (record.process) throw supervisorError(this.name, `child ${id} is running`);
      this.#cancelBackoff(record);
      this.#remove(record);
    });
  }

  whichChildren(): ChildInfo[] {
    return this.#children.map((r) => ({
      id: r.spec.id,
      process: r.process,
      state: childState(r),
      type: r.spec.type,
    }));
  }

  countChildren(): ChildCounts {
    const supervisors = this.#children.filter((r) => r.spec.type === "supervisor").length;
    return {
      specs: this.#children.length,
      active: this.#children.filter((r) => r.process?.alive).length,
      supervisors,
      workers: this.#children.length - supervisors,
    };
  }

  /** Stops the children in reverse start order, each as its spec says, then exits. */
  async stop(reason: ExitReason = "shutdown"): Promise<void> {
    if (!this.alive || this.#stopping) {
      await this.exited;
      return;
    }
    this.#stopping = true;
    this.setState("stopping");
    await this.#serial(() => this.#terminateAll());
    this.markExited(reason);
  }

  /** Exits at once; its children are killed too, as linked processes would be. */
  kill(): void {
    this.#stopping = true;
    for (const record of [...this.#children].reverse()) {
      this.#cancelBackoff(record);
      record.unwatch?.();
      record.process?.kill();
    }
    this.markExited("killed");
  }

  /** Supervisors trap exits: only its parent's non-normal exit stops it. */
  exitSignal(reason: ExitReason): void {
    if (reason !== "normal") void this.stop(reason);
  }

  snapshot(): ProcessSnapshot {
    const now = Date.now();
    return {
      name: this.name,
      kind: "supervisor",
      state: this.state,
      restarts: 0,
      mailboxDepth: 0,
      strategy: this.strategy,
      children: this.#children.map((r) => childSnapshot(r)),
      detail: {
        intensity: `${this.#intensity.recent(now)}/${this.#intensity.intensity} in ${this.#intensity.period} ms`,
        ...(this.exitReason === undefined ? {} : { exit_reason: formatReason(this.exitReason) }),
      },
    };
  }

  async #init(specs: readonly ChildSpec[]): Promise<void> {
    if (this.strategy === "simple_one_for_one") {
      if (specs.length !== 1)
        throw supervisorError(
          this.name,
          "simple_one_for_one needs exactly one child spec (the template)",
        );
      this.#template = resolveChildSpec(specs[0]!);
      this.setState("running");
      return;
    }
    for (const spec of specs) {
      try {
        const record = this.#newRecord(spec);
        await this.#startRecord(record);
        this.#children.push(record);
      } catch (thrown) {
        const reason = toExitReason(thrown);
        this.log.error(
          { supervisor: this.name, child: spec.id, err: reason },
          "failed to start child",
        );
        this.#stopping = true;
        await this.#terminateAll();
        this.markExited(reason);
        throw supervisorError(this.name, `failed to start child ${spec.id}: ${reason.message}`);
      }
    }
    this.setState("running");
  }

  /** Runs supervisor operations one at a time, in arrival order. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#ops.then(op);
    this.#ops = result.catch(() => undefined);
    return result;
  }

  #newRecord(specOrArgs: ChildSpec | readonly unknown[]): ChildRecord {
    if (this.#stopping || !this.alive) throw supervisorError(this.name, "is shutting down");
    let spec: ResolvedChildSpec;
    let args: readonly unknown[] = [];
    if (this.#template) {
      if (!Array.isArray(specOrArgs))
        throw supervisorError(
          this.name,
          "simple_one_for_one: startChild takes the start arguments",
        );
      spec = { ...this.#template, id: `${this.#template.id}:${++this.#dynamicIds}` };
      args = specOrArgs;
    } else {
      if (Array.isArray(specOrArgs))
        throw supervisorError(this.name, "startChild needs a child spec");
      spec = resolveChildSpec(specOrArgs as ChildSpec);
      if (this.#children.some((r) => r.spec.id === spec.id))
        throw supervisorError(this.name, `child ${spec.id} already exists`);
    }
    return {
      spec,
      args,
      process: undefined,
      unwatch: undefined,
      restarts: 0,
      failures: 0,
      startedAt: 0,
      lastExit: undefined,
      backoffTimer: undefined,
    };
  }

  async #startRecord(record: ChildRecord): Promise<void> {
    const start = record.spec.start as (...args: readonly unknown[]) => Promise<Process> | Process;
    const process = await start(...record.args);
    record.process = process;
    record.startedAt = Date.now();
    record.unwatch = process.onExit(
      (reason) => void this.#serial(() => this.#childExited(record, process, reason)),
    );
  }

  async #childExited(record: ChildRecord, process: Process, reason: ExitReason): Promise<void> {
    if (record.process !== process || this.#stopping) return;
    record.process = undefined;
    record.unwatch = undefined;
    record.lastExit = reason;
    const entry = { supervisor: this.name, child: record.spec.id, reason: formatReason(reason) };
    if (isNormalExit(reason)) this.log.info(entry, "child exited");
    else this.log.error({ ...entry, err: reason }, "child terminated abnormally");
    if (!shouldRestart(record.spec.restart, reason)) {
      if (this.#isForgotten(record)) this.#remove(record);
      return;
    }
    if (Date.now() - record.startedAt >= this.#resetAfterMs) record.failures = 0;
    await this.#restart(record);
  }

  /** Restarts `failed` and, by strategy, its siblings; gives up past the intensity. */
  async #restart(failed: ChildRecord): Promise<void> {
    if (!this.#intensity.add(Date.now())) {
      await this.#giveUp();
      return;
    }
    const group = this.#restartGroup(failed);
    await this.#shutdownRecords(group.filter((r) => r !== failed));
    const restartable = group.filter((r) => r === failed || !this.#isForgotten(r));
    for (const r of group) if (!restartable.includes(r)) this.#remove(r);
    const delay = backoffDelay(this.#backoff, failed.failures++);
    if (delay === 0) {
      await this.#startGroup(restartable);
      return;
    }
    this.log.info(
      { supervisor: this.name, child: failed.spec.id, delayMs: delay },
      "restarting after backoff",
    );
    const timer = setTimeout(
      () =>
        void this.#serial(() =>
          this.#startGroup(restartable.filter((r) => r.backoffTimer === timer)),
        ),
      delay,
    );
    for (const r of restartable) r.backoffTimer = timer;
  }

  /** The children a failure restarts: itself, everyone, or itself and those started after it. */
  #restartGroup(failed: ChildRecord): ChildRecord[] {
    if (this.strategy === "one_for_all") return [...this.#children];
    if (this.strategy === "rest_for_one")
      return this.#children.slice(this.#children.indexOf(failed));
    return [failed];
  }

  /** Starts a group in order; a child that fails to start counts as failing again. */
  async #startGroup(group: readonly ChildRecord[]): Promise<void> {
    for (const record of group) {
      if (this.#stopping) return;
      record.backoffTimer = undefined;
      if (record.process || !this.#children.includes(record)) continue;
      try {
        await this.#startRecord(record);
        record.restarts++;
        this.log.info(
          { supervisor: this.name, child: record.spec.id, restarts: record.restarts },
          "child restarted",
        );
      } catch (thrown) {
        const reason = toExitReason(thrown);
        record.lastExit = reason;
        this.log.error(
          { supervisor: this.name, child: record.spec.id, err: reason },
          "failed to restart child",
        );
        await this.#restart(record);
        return;
      }
    }
  }

  async #giveUp(): Promise<void> {
    this.log.error(
      {
        supervisor: this.name,
        intensity: this.#intensity.intensity,
        period: this.#intensity.period,
      },
      "reached_max_restart_intensity: shutting down",
    );
    this.#stopping = true;
    this.setState("stopping");
    await this.#terminateAll();
    this.markExited(maxRestartIntensity, "failed");
  }

  async #terminateAll(): Promise<void> {
    for (const record of this.#children) this.#cancelBackoff(record);
    await this.#shutdownRecords(this.#children);
  }

  /** Stops the running ones among `records`, in reverse order. */
  async #shutdownRecords(records: readonly ChildRecord[]): Promise<void> {
    for (const record of [...records].reverse()) {
      const process = record.process;
      if (!process) continue;
      record.unwatch?.();
      record.unwatch = undefined;
      record.process = undefined;
      record.lastExit = await shutdownChild(process, record.spec.shutdown);
    }
  }

  #cancelBackoff(record: ChildRecord): void {
    if (record.backoffTimer) clearTimeout(record.backoffTimer);
    record.backoffTimer = undefined;
  }

  /** Temporary children and dynamic ones are forgotten once they stop, as in OTP. */
  #isForgotten(record: ChildRecord): boolean {
    return record.spec.restart === "temporary" || this.#template !== undefined;
  }

  #remove(record: ChildRecord): void {
    this.#children = this.#children.filter((r) => r !== record);
  }

  #find(idOrProcess: string | Process): ChildRecord {
    const record = this.#children.find((r) =>
      typeof idOrProcess === "string" ? r.spec.id === idOrProcess : r.process === idOrProcess,
    );
    if (!record)
      throw supervisorError(
        this.name,
        `no child ${typeof idOrProcess === "string" ? idOrProcess : idOrProcess.name}`,
      );
    return record;
  }

  #findStatic(id: string): ChildRecord {
    if (this.#template)
      throw supervisorError(
        this.name,
        "simple_one_for_one children cannot be restarted or deleted by id",
      );
    return this.#find(id);
  }
}

function childState(record: ChildRecord): ChildInfo["state"] {
  if (record.process) return "running";
  return record.backoffTimer ? "restarting" : "stopped";
}

/** A child's node: its own snapshot with the restart count only its supervisor knows. */
function childSnapshot(record: ChildRecord): ProcessSnapshot {
  const lastExit: Record<string, string> =
    record.lastExit === undefined ? {} : { last_exit: formatReason(record.lastExit) };
  if (record.process) {
    const own = record.process.snapshot();
    return { ...own, restarts: record.restarts, detail: { ...own.detail, ...lastExit } };
  }
  return {
    name: record.spec.id,
    kind: record.spec.type === "supervisor" ? "supervisor" : "worker",
    state: childState(record) === "restarting" ? "restarting" : "stopped",
    restarts: record.restarts,
    mailboxDepth: 0,
    children: [],
    detail: lastExit,
  };
}

import { fromBinary } from "@bufbuild/protobuf";
import { noSpan, type TraceSpan } from "../tracing/tracer.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/gateway-config.js";
import { type ErrorDetail, ErrorCode, errorDetail, HermesError } from "../errors/hermes-error.js";
import type { EventBus } from "../events/event-bus.js";
import {
  type CascadeProgress as CascadeProgressMessage,
  CascadeSchema,
  DeliveryEventKind,
  type CascadeStep,
  type Message,
  MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import type { AcceptOutcome, CancelOutcome, Router } from "../router/router.js";
import { DueQueue } from "../scheduling/due-queue.js";
import type { CascadeRecord, CascadeStore } from "../store/cascade-store.js";
import type { EventRecord } from "../store/event-record.js";
import type { MessageStore, Transition, TransitionOutcome } from "../store/message-store.js";
import { isTerminal } from "../store/message-state.js";
import { type PreparedCascade, prepareCascade, stepDetail } from "./cascade-parent.js";
import { stepMessage } from "./cascade-plan.js";
import {
  begin,
  type CascadeAction,
  type CascadeProgress,
  cancelled,
  type Decision,
  dueStep,
  hasNext,
  startDeferred,
  type StepError,
  stepFinished,
  stepStarted,
  stepTimedOut,
} from "./cascade-rules.js";
import { chainOf } from "./cascade-view.js";

export interface CascadeEngineOptions {
  readonly router: Router;
  readonly store: MessageStore;
  /** Where the router publishes events: the engine hears its steps' outcomes there, and publishes its own. */
  readonly bus: EventBus;
  readonly config: GatewayConfig;
  readonly log: Logger;
}

/**
 * A cascade being worked on: its record as last stored and its planned
 * steps, and until its first step starts, its parent as accepted.
 */
interface Active {
  readonly record: CascadeRecord;
  readonly steps: readonly CascadeStep[];
  readonly parent?: Message;
}

/** How long a step whose route's queue is full waits before it tries to start again. */
const deferMs = 5000;

/**
 * The cascade engine, above the router (docs/cascades.md): it takes the
 * Sends that carry a cascade, stores each as a parent message (no route of
 * its own) with the cascade's record, and runs the steps as child messages
 * through the router, so that every step is routed, checked against the
 * suppression list, held for quiet hours and retried like any message. It
 * hears each step's outcome on the router's events and decides with the pure
 * rules of cascade-rules.ts, one event at a time per cascade; step deadlines
 * and cascades sent for later wait on one DueQueue. The record is the truth:
 * after a restart `resume` picks every undecided cascade up where it was.
 * Sends without a cascade go straight to the router.
 */
export class CascadeEngine {
  readonly #router: Router;
  readonly #store: MessageStore;
  readonly #records: CascadeStore | undefined;
  readonly #bus: EventBus;
  readonly #config: GatewayConfig;
  readonly #log: Logger;
  /** Undecided cascades, by parent id. */
  readonly #open = new Set<string>();
  /** Steps' messages still on their way, to their cascade and step. */
  readonly #steps = new Map<string, { readonly parentId: string; readonly step: number }>();
  /**
   * Cascades under way (started, undecided), so that a step's outcome reads
   * nothing back; one waiting for its send_at is only an id on #timers.
   */
  readonly #active = new Map<string, Active>();
  /** Step deadlines and cascades due later, by parent id. */
  readonly #timers: DueQueue;
  /** Per cascade, the tail of its work: one event at a time. */
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #unsubscribe: () => void;

  constructor(options: CascadeEngineOptions) {
    this.#router = options.router;
    this.#store = options.store;
    this.#records = options.store.cascades;
    this.#bus = options.bus;
    this.#config = options.config;
    this.#log = options.log;
    this.#timers = new DueQueue((ids) => {
      for (const id of ids) this.#background(id, () => this.#tick(id));
    });
    this.#unsubscribe = options.bus.subscribe((event) => this.#heard(event));
  }

  /**
   * Accepts what a Send or SendBatch brings: messages with a cascade here,
   * the others through the router (directly, when there are none).
   */
  accept(
    tenant: string,
    messages: readonly Message[],
    trace: TraceSpan = noSpan,
  ): Promise<AcceptOutcome[]> {
    if (!messages.some((m) => m.cascade)) return this.#router.accept(tenant, messages, trace);
    return this.#acceptMixed(tenant, messages, trace);
  }

  /** Cancels a cascade (its parent and what of its steps has not left), or any other message. */
  cancel(tenant: string, id: string): Promise<CancelOutcome> {
    if (!this.#open.has(id)) return this.#router.cancel(tenant, id);
    return this.#serial(id, async () => {
      this.#open.delete(id);
      const outcome = await this.#transition(id, {
        when: (state) => state.tenant === tenant && !isTerminal(state.status),
        event: {
          status: MessageStatus.REJECTED,
          error: errorDetail(ErrorCode.CANCELLED, "the cascade was cancelled", {
            retryable: false,
          }),
        },
      });
      if (!outcome?.event) this.#open.add(id);
      if (!outcome || outcome.state.tenant !== tenant) return { kind: "not_found" };
      if (!outcome.event) return { kind: "refused", state: outcome.state };
      this.#timers.delete(id);
      const active = await this.#load(id);
      if (active) await this.#settle(active, (a) => this.#decide(a, cancelled(a.record.progress)));
      return { kind: "cancelled", state: outcome.state };
    });
  }

  /** The chain of the cascade `message` carries, or is a step of; undefined for other messages. */
  async chain(message: Message): Promise<CascadeProgressMessage | undefined> {
    const parentId = message.parentId || (message.cascade ? message.id : "");
    const record = parentId ? await this.#records?.get(parentId) : undefined;
    if (!record || record.tenant !== message.tenant) return undefined;
    const ids = record.progress.steps.flatMap((s) => (s.messageId ? [s.messageId] : []));
    const steps = await Promise.all(ids.map((id) => this.#store.get(id)));
    const statuses = new Map(steps.flatMap((m) => (m ? [[m.id, m.status] as const] : [])));
    return chainOf(parentId, fromBinary(CascadeSchema, record.plan), record.progress, statuses);
  }

  /**
   * Picks up every undecided cascade after a restart: steps that finished
   * while the gateway was down are decided, those still on their way are
   * followed again, and timers (deadlines, cascades due later) are armed.
   * Call after the router's resume. Resolves with how many it picked up.
   */
  async resume(): Promise<number> {
    if (!this.#records) return 0;
    const records = await this.#records.undecided();
    for (const record of records) {
      const parent = await this.#store.get(record.parentId);
      if (!parent) {
        await this.#records.delete(record.parentId); // its parent was never stored
        continue;
      }
      this.#open.add(record.parentId);
      this.#background(record.parentId, () => this.#resume(record, parent));
    }
    return records.length;
  }

  stop(): void {
    this.#unsubscribe();
    this.#timers.stop();
  }

  async #acceptMixed(
    tenant: string,
    messages: readonly Message[],
    trace: TraceSpan,
  ): Promise<AcceptOutcome[]> {
    const plain = messages.flatMap((m, i) => (m.cascade ? [] : [i]));
    const now = Date.now();
    const [routed, ...cascades] = await Promise.all([
      plain.length > 0
        ? this.#router.accept(
            tenant,
            plain.map((i) => messages[i]!),
            trace,
          )
        : [],
      ...messages.map((m) => (m.cascade ? this.#acceptCascade(tenant, m, now) : undefined)),
    ]);
    const outcomes = cascades as Array<AcceptOutcome | undefined>;
    plain.forEach((index, j) => {
      outcomes[index] = routed[j];
    });
    return outcomes as AcceptOutcome[];
  }

  /** Stores a cascade's parent and record in one commit, then starts it or holds it until its send_at. */
  async #acceptCascade(tenant: string, message: Message, now: number): Promise<AcceptOutcome> {
    let planned: PreparedCascade;
    try {
      planned = this.#prepare(tenant, message, now);
    } catch (reason) {
      return { ok: false, error: HermesError.from(reason) };
    }
    const { parent, record, steps, first } = planned;
    // The first step's message goes with its parent, in the same commit, unless the parent may
    // turn out to be a duplicate (an idempotency key) or waits for its send_at.
    const [stored, , offered] = await Promise.all([
      this.#store.accept([parent]),
      this.#records!.create(record),
      first && this.#offer(tenant, first.message),
    ]);
    const result = stored[0]!;
    if (result.duplicate) {
      await this.#records!.delete(record.parentId);
      return { ok: true, ...result };
    }
    if (result.event) this.#bus.publish(result.event);
    const id = result.message.id;
    this.#open.add(id);
    const active: Active = { record, steps, parent: result.message };
    if (first && offered)
      this.#background(id, () =>
        this.#settle(active, (a) => this.#started(a, first.step, offered)),
      );
    else if (result.message.status === MessageStatus.QUEUED)
      this.#timers.add(id, record.progress.startAt);
    else
      this.#background(id, () =>
        this.#settle(active, (a) => this.#decide(a, begin(a.record.progress))),
      );
    return { ok: true, ...result };
  }

  /** A cascade message as it is stored, or why it cannot be. */
  #prepare(tenant: string, message: Message, now: number): PreparedCascade {
    if (!this.#records)
      throw new HermesError(
        ErrorCode.INVALID_ARGUMENT,
        'cascade is not supported on a NATS cluster (store.kind "nats") yet',
        { field: "cascade" },
      );
    const policies = this.#config.tenants[tenant]?.cascades ?? {};
    return prepareCascade(tenant, message, policies, this.#config.limits, now);
  }

  /** A stored event: a step's message that finished, or a parent that finished otherwise (expired). */
  #heard(event: EventRecord): void {
    if ((this.#steps.size === 0 && this.#open.size === 0) || !isTerminal(event.status)) return;
    const link = this.#steps.get(event.messageId);
    if (link) {
      this.#steps.delete(event.messageId);
      const { parentId, step } = link;
      const error = plain(event.error);
      this.#background(parentId, () =>
        this.#run(parentId, (p) => stepFinished(p, step, event.status, error)),
      );
    } else if (this.#open.delete(event.messageId)) {
      const parentId = event.messageId;
      this.#timers.delete(parentId);
      this.#background(parentId, () => this.#run(parentId, (p) => cancelled(p)));
    }
  }

  /** A timer: a step's deadline, or a cascade that is due (sent for later, or a deferred start). */
  async #tick(parentId: string): Promise<void> {
    const now = Date.now();
    await this.#run(parentId, (progress) => {
      const late = dueStep(progress, now);
      if (late >= 0) return stepTimedOut(progress, late);
      if (progress.startAt > now) {
        this.#timers.add(parentId, progress.startAt);
        return { progress, actions: [] };
      }
      return begin(progress, "the cascade came due");
    });
  }

  async #resume(record: CascadeRecord, parent: Message): Promise<void> {
    const active = { record, steps: fromBinary(CascadeSchema, record.plan).steps };
    if (isTerminal(parent.status)) {
      // Cancelled or expired before its record heard of it.
      this.#open.delete(record.parentId);
      await this.#settle(active, (a) => this.#decide(a, cancelled(a.record.progress)));
      return;
    }
    let progress = record.progress;
    for (const [i, step] of progress.steps.entries()) {
      const onItsWay =
        step.state === "running" || (step.state === "timed_out" && step.status === undefined);
      if (!onItsWay || !step.messageId) continue;
      const message = await this.#store.get(step.messageId);
      if (message && isTerminal(message.status))
        progress = await this.#decide(
          { ...active, record: { ...record, progress } },
          stepFinished(progress, i, message.status, plain(message.error)),
        );
      else this.#steps.set(step.messageId, { parentId: record.parentId, step: i });
    }
    await this.#records!.update(record.parentId, progress);
    if (progress.done) return;
    if (progress.steps.some((s) => s.messageId && s.status === undefined))
      this.#active.set(record.parentId, { ...active, record: { ...record, progress } });
    const deadline = progress.steps.find((s) => s.state === "running")?.deadlineAt;
    const running = progress.steps.some((s) => s.state === "running");
    if (deadline !== undefined) this.#timers.add(record.parentId, deadline);
    else if (!running) this.#timers.add(record.parentId, Math.max(progress.startAt, Date.now()));
  }

  /** Applies a rule to a cascade's progress, does what it says, and stores the outcome. */
  async #run(parentId: string, rule: (progress: CascadeProgress) => Decision): Promise<void> {
    const active = await this.#load(parentId);
    if (active) await this.#settle(active, (a) => this.#decide(a, rule(a.record.progress)));
  }

  async #load(parentId: string): Promise<Active | undefined> {
    const active = this.#active.get(parentId);
    if (active) return active;
    const record = await this.#records!.get(parentId);
    return record && { record, steps: fromBinary(CascadeSchema, record.plan).steps };
  }

  /** Does `work`, stores the progress it comes to, and keeps an undecided cascade at hand. */
  async #settle(active: Active, work: (active: Active) => Promise<CascadeProgress>): Promise<void> {
    const { record, steps } = active;
    const progress = await work(active);
    if (progress !== record.progress) await this.#records!.update(record.parentId, progress);
    if (progress.done) this.#active.delete(record.parentId);
    else this.#active.set(record.parentId, { record: { ...record, progress }, steps });
  }

  /**
   * Does what a decision says, in order, and resolves with the progress it
   * comes to (a started step can finish at once, which decides again). The
   * caller stores it after: a crash before that repeats the work, which
   * finds the same step messages (their idempotency keys) and changes
   * nothing twice.
   */
  async #decide(active: Active, decision: Decision): Promise<CascadeProgress> {
    const { record } = active;
    let progress = decision.progress;
    for (const action of decision.actions) {
      if (action.type === "cancel")
        await this.#router
          .cancel(record.tenant, action.messageId)
          .catch((err) =>
            this.#log.warn({ err, messageId: action.messageId }, "cancelling a step failed"),
          );
      else if (action.type === "finish") await this.#finish(record, progress, action);
      else
        progress = await this.#start(
          { ...active, record: { ...record, progress } },
          action.step,
          action.reason,
        );
    }
    return progress;
  }

  /** Sends a later step's message through the router, and names it on the parent. */
  async #start(active: Active, step: number, reason: string): Promise<CascadeProgress> {
    const { parentId, tenant, progress } = active.record;
    const parent = active.parent ?? (await this.#store.get(parentId));
    if (!parent || isTerminal(parent.status)) return progress;
    const planned = active.steps[step]!;
    const outcome = await this.#offer(tenant, stepMessage(parent, planned, step));
    if (outcome.ok)
      await this.#transition(parentId, {
        event: {
          kind:
            parent.status === MessageStatus.ACCEPTED
              ? DeliveryEventKind.PROGRESS
              : DeliveryEventKind.STATUS,
          status: MessageStatus.ACCEPTED,
          detail: { ...stepDetail(step, planned, outcome.message.id), reason },
        },
      });
    return this.#started(active, step, outcome);
  }

  /** Offers a step's message to the router: what came of it (a store that fails is a refusal for now). */
  async #offer(tenant: string, message: Message): Promise<AcceptOutcome> {
    try {
      const [outcome] = await this.#router.accept(tenant, [message]);
      return outcome!;
    } catch (reason) {
      return { ok: false, error: HermesError.from(reason) };
    }
  }

  /**
   * What a step's offer came to: it runs (until its deadline, when it has a
   * timeout and a step after it), it waits to be offered again (its route's
   * queue was full), or it fails at once (refused, or rejected on arrival: a
   * suppressed address, no route), which decides again.
   */
  async #started(active: Active, step: number, outcome: AcceptOutcome): Promise<CascadeProgress> {
    const { parentId, progress } = active.record;
    const now = Date.now();
    if (!outcome.ok) {
      if (outcome.error.retryable) {
        this.#timers.add(parentId, now + deferMs);
        return startDeferred(progress, step, now + deferMs);
      }
      // Refused for good (a route's own limits): the step fails without a message.
      const started = stepStarted(progress, step, "", undefined);
      const error = { code: outcome.error.code, message: outcome.error.rawMessage };
      return this.#decide(
        { ...active, record: { ...active.record, progress: started } },
        stepFinished(started, step, MessageStatus.REJECTED, error),
      );
    }
    const message = outcome.message;
    const timeout = active.steps[step]!.timeoutSeconds;
    const due = message.nextAttemptAt ? timestampMs(message.nextAttemptAt) : now;
    const deadline = timeout > 0 && hasNext(progress, step) ? due + timeout * 1000 : undefined;
    const recorded = progress.steps[step]?.messageId === message.id && deadline === undefined;
    const running = recorded ? progress : stepStarted(progress, step, message.id, deadline);
    if (isTerminal(message.status))
      return this.#decide(
        { ...active, record: { ...active.record, progress: running } },
        stepFinished(running, step, message.status, plain(message.error)),
      );
    this.#steps.set(message.id, { parentId, step });
    if (deadline !== undefined) this.#timers.add(parentId, deadline);
    return running;
  }

  /** The cascade is decided: its parent takes the outcome. */
  async #finish(
    record: CascadeRecord,
    progress: CascadeProgress,
    action: Extract<CascadeAction, { type: "finish" }>,
  ): Promise<void> {
    this.#open.delete(record.parentId);
    this.#timers.delete(record.parentId);
    const step = action.step === undefined ? undefined : progress.steps[action.step];
    const detail: Record<string, string> = {};
    if (action.step !== undefined) detail.cascade_step = String(action.step + 1);
    if (step?.messageId) detail.step_message_id = step.messageId;
    await this.#transition(record.parentId, {
      when: (state) => !isTerminal(state.status),
      event: {
        status: action.status,
        error:
          action.error &&
          errorDetail(action.error.code, action.error.message, { retryable: false }),
        detail,
      },
    });
  }

  async #transition(id: string, change: Transition): Promise<TransitionOutcome | undefined> {
    const outcome = await this.#store.transition(id, change);
    if (outcome?.event) this.#bus.publish(outcome.event);
    return outcome;
  }

  /** Runs `work` in the cascade's turn, logging what fails (nobody awaits it). */
  #background(parentId: string, work: () => Promise<void>): void {
    this.#serial(parentId, work).catch((err) =>
      this.#log.error({ err, messageId: parentId }, "a cascade step failed to run"),
    );
  }

  #serial<T>(parentId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(parentId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.#chains.set(parentId, tail);
    void tail.then(() => {
      if (this.#chains.get(parentId) === tail) this.#chains.delete(parentId);
    });
    return run;
  }
}

function plain(error: ErrorDetail | undefined): StepError | undefined {
  return error && { code: error.code, message: error.message };
}

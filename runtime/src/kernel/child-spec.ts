import type { ExitReason, Process } from "./process.js";
import { isNormalExit } from "./process.js";

/** OTP restart types: always, only after an abnormal exit, never. */
export type RestartType = "permanent" | "transient" | "temporary";

/**
 * How a child is stopped: at once, `stop` with a deadline in ms then kill, or `stop` without
 * deadline.
 */
export type Shutdown = "brutal_kill" | number | "infinity";

export type ChildType = "worker" | "supervisor";

/** What a child spec's `start` returns: a started process (actor or supervisor). */
export type Child = Process;

/**
 * OTP's child specification, as data. For simple_one_for_one the single
 * spec is a template: `startChild(args)` calls `start(...args)`.
 */
export interface ChildSpec {
  readonly id: string;
  /** Starts the child and resolves once it runs (`new MyActor(...).start()`). */
  readonly start: (...args: never[]) => Promise<Child> | Child;
  /** Default "permanent". */
  readonly restart?: RestartType;
  /** Default 5000 ms for workers and "infinity" for supervisors, as in OTP. */
  readonly shutdown?: Shutdown;
  /** Default "worker". */
  readonly type?: ChildType;
}

/** A child spec with its defaults filled in. */
export interface ResolvedChildSpec extends Required<ChildSpec> {}

const defaultWorkerShutdownMs = 5000;

/** Fills in defaults and rejects what OTP would reject. */
export function resolveChildSpec(spec: ChildSpec): ResolvedChildSpec {
  if (!spec.id) throw new TypeError("child spec: id is required");
  if (typeof spec.start !== "function")
    throw new TypeError(`child spec ${spec.id}: start must be a function`);
  const type = spec.type ?? "worker";
  const shutdown = spec.shutdown ?? (type === "supervisor" ? "infinity" : defaultWorkerShutdownMs);
  if (typeof shutdown === "number" && !(shutdown >= 0))
    throw new RangeError(`child spec ${spec.id}: shutdown must be >= 0 ms`);
  return { id: spec.id, start: spec.start, restart: spec.restart ?? "permanent", shutdown, type };
}

/** Whether a child that exited with `reason` is restarted. */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (restart === "permanent") return true;
  if (restart === "transient") return !isNormalExit(reason);
  return false;
}

/**
 * Stops a child as its spec says: `stop("shutdown")` (which runs the
 * actor's `terminate`), killed if it has not exited within the timeout.
 * Resolves with the reason it exited with.
 */
export async function shutdownChild(child: Process, shutdown: Shutdown): Promise<ExitReason> {
  if (shutdown === "brutal_kill") {
    child.kill();
    return child.exited;
  }
  const stopping = child.stop("shutdown").catch(() => child.kill());
  if (shutdown === "infinity") {
    await stopping;
    return child.exited;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, shutdown)));
  await Promise.race([stopping, deadline]);
  clearTimeout(timer);
  if (child.alive) child.kill();
  return child.exited;
}

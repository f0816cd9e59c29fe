import type { ExitListener, Process } from "./process.js";

/**
 * Links two processes: when one exits, the other receives the exit signal
 * (`exitSignal`). A process that does not trap exits ignores "normal" and
 * exits with any other reason; one that traps exits gets an `ExitMessage`.
 * Returns the unlink function.
 */
export function link(a: Process, b: Process): () => void {
  const unwatchA = a.onExit((reason) => b.exitSignal(reason, a));
  const unwatchB = b.onExit((reason) => a.exitSignal(reason, b));
  return () => {
    unwatchA();
    unwatchB();
  };
}

/**
 * Watches `process` one way: `listener` gets its exit reason once (at once
 * if it has already exited, as OTP's DOWN with the stored reason). Returns
 * the demonitor function. Inside an actor, `this.monitor` delivers a
 * `DownMessage` to `handleInfo` instead.
 */
export function monitor(process: Process, listener: ExitListener): () => void {
  return process.onExit(listener);
}

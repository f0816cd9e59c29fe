// The values both sides of the worker protocol index by (worker-protocol.ts
// describes the messages): one copy, since the worker is plain JavaScript.

/** Status codes of packed results: a call's status is its index here. */
export const callStatus = ["ok", "error", "trap", "limit", "missing", "unloaded"];

/** Progress slots in the shared buffer the watchdog reads. */
export const progressSlots = { started: 0, startedAtMs: 1, finished: 2 };

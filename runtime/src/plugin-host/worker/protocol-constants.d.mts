// Types of protocol-constants.mjs (the worker is plain JavaScript).
export declare const callStatus: readonly ["ok", "error", "trap", "limit", "missing", "unloaded"];
export declare const progressSlots: {
  readonly started: 0;
  readonly startedAtMs: 1;
  readonly finished: 2;
};

// The supervision kernel: OTP's gen_server, supervisor and links on Node's
// event loop. See docs/kernel.md.

export { Actor } from "./actor.js";
export type { ActorOptions, CallOptions, CastOptions, DownMessage, ExitMessage } from "./actor.js";
export { Supervisor } from "./supervisor.js";
export type { ChildCounts, ChildInfo, Strategy, SupervisorSpec } from "./supervisor.js";
export type { Child, ChildSpec, ChildType, RestartType, Shutdown } from "./child-spec.js";
export type { Backoff } from "./restart-intensity.js";
export { link, monitor } from "./links.js";
export { isNormalExit } from "./process.js";
export type {
  ExitListener,
  ExitReason,
  Process,
  ProcessKind,
  ProcessSnapshot,
  ProcessState,
} from "./process.js";
export { priorities } from "./mailbox.js";
export type { MailboxDepth, Priority } from "./mailbox.js";

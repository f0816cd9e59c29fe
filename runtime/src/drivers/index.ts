// The built-in channel drivers: webhook, SMPP carriers and SMTP into KumoMTA.
// A gateway builds them from route config; an embedder or a test may build
// one directly and start it under a RouteSupervisor.

export { createWebhookAdapter, WebhookAdapter } from "./webhook/webhook-adapter.js";
export type { WebhookAdapterConfig } from "./webhook/webhook-adapter.js";
export { createSmppAdapter, SmppAdapter } from "./smpp/adapter.js";
export { parseSmppConfig } from "./smpp/config.js";
export type { SmppConfig } from "./smpp/config.js";
export { createSmtpAdapter, SmtpAdapter } from "./smtp/smtp-adapter.js";
export { parseSmtpDriverConfig } from "./smtp/config.js";
export type { SmtpDriverConfig } from "./smtp/config.js";

// Internal: for Hermes's own tests and benchmarks; no semver.
export { LogHookReceiver } from "./smtp/log-hook-receiver.js";
export { decodePdu, encodePdu } from "./smpp/pdu-codec.js";
export type { SubmitSm } from "./smpp/pdu-types.js";

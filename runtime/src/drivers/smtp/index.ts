import type { AdapterFactory } from "../../router/adapter.js";
import { parseSmtpDriverConfig } from "./config.js";
import { SmtpAdapter } from "./smtp-adapter.js";

export { SmtpAdapter } from "./smtp-adapter.js";
export { parseSmtpDriverConfig, type SmtpDriverConfig } from "./config.js";

/** Builds an email route's adapter that injects into KumoMTA (docs/email-kumomta.md). */
export const createSmtpAdapter: AdapterFactory = (config) =>
  new SmtpAdapter(parseSmtpDriverConfig(config));

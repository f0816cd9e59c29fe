// @hermes/runtime/smpp-server: the SMPP server endpoint for customers' ESMEs
// (docs/smpp-server.md). A gateway starts it from its config's `smppServer`;
// these are its parts for embedders, the CLI and tests.

export { SmppServer } from "./smpp-server.js";
export type { SmppServerOptions } from "./smpp-server.js";
export { parseSmppServerConfig, smppServerDefaults } from "./config.js";
export type {
  AccountScope,
  MoRule,
  SmppAccountConfig,
  SmppServerConfig,
  SmppServerTls,
} from "./config.js";
export { hashPassword, verifyPassword } from "./passwords.js";
export { SqliteServerStore } from "./sqlite-server-store.js";
export type {
  OutboxEntry,
  OutboxEntryInit,
  SmppServerStore,
  StoredPart,
  SubmittedMessage,
  WireAddress,
} from "./server-store.js";

import type { AdapterFactory } from "../../router/adapter.js";
import { SmppAdapter } from "./adapter.js";
import { parseSmppConfig } from "./config.js";

export { SmppAdapter } from "./adapter.js";
export { parseSmppConfig, type SmppConfig } from "./config.js";

/** Builds an smpp route's adapter from its config (see docs/smpp.md for every key). */
export const createSmppAdapter: AdapterFactory = (config) =>
  new SmppAdapter(parseSmppConfig(config));

// The plugin conformance kit (docs/conformance.md): a built plugin loaded in
// the real host, replayed against recorded provider answers and webhooks.

export { runConformance } from "./conformance.js";
export type { ConformanceCheck, ConformanceOptions, ConformanceReport } from "./conformance.js";
export { conformanceTest } from "./node-test.js";
export type * from "./cases.js";

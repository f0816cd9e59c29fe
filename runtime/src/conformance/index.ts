// The plugin conformance kit (docs/conformance.md).
export {
  runConformance,
  type ConformanceCheck,
  type ConformanceOptions,
  type ConformanceReport,
} from "./conformance.js";
export { conformanceTest } from "./node-test.js";
export type * from "./cases.js";

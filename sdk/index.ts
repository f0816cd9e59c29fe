// AssemblyScript entry of the SDK: `import { Plugin, register } from "@hermes/sdk"` (asc resolves
// a package to its index.ts). The code lives in assembly/.
export * from "./assembly/index";

// The ABI exports for a plugin entry file: `export * from "@hermes/sdk/exports";`
export * from "./assembly/exports";

// `hermes dev`: a gateway with simulators and development keys, and the
// template plugins it builds on first use.

export { startDevEnvironment } from "./dev-environment.js";
export type { DevEnvironment, DevOptions, DevService } from "./dev-environment.js";
export { devApiKey, devProvidersApiKey, devProvidersTenant } from "./dev-keys.js";
export { devPluginFile, devPluginPath, templatesDir } from "./dev-plugins.js";
export type { CompilePlugin } from "./dev-plugins.js";

import { Flags } from "@oclif/core";
import { defaultConfigPath, loadConfig, type GatewayConfig } from "@hermes/runtime";

/** Flags of the commands that run a gateway in this process (serve, dev). */
export const runGatewayFlags = {
  config: Flags.string({
    char: "c",
    description:
      "Gateway config file (JSON). Else HERMES_CONFIG, else ./hermes.config.json when present.",
    helpValue: "<file>",
  }),
  host: Flags.string({ description: "Address to listen on (overrides server.host)." }),
  port: Flags.integer({
    char: "p",
    min: 0,
    max: 65535,
    description: "Port to listen on, 0 for any free one (overrides server.port).",
  }),
  db: Flags.string({ description: "SQLite file (overrides store.path).", helpValue: "<file>" }),
  "log-level": Flags.option({
    options: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const,
    description: "Gateway log level (overrides logLevel).",
  })(),
};

export interface RunGatewayInputs {
  readonly config?: string;
  readonly host?: string;
  readonly port?: number;
  readonly db?: string;
  readonly "log-level"?: string;
}

/** The config file to use: --config, HERMES_CONFIG, or ./hermes.config.json if it exists. */
export function configPathOf(
  flags: RunGatewayInputs,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return flags.config ?? defaultConfigPath(env);
}

/** The file's config, then HERMES_* environment overrides, then the flags. */
export function gatewayConfigOf(path: string | undefined, flags: RunGatewayInputs): GatewayConfig {
  const config = loadConfig(path);
  return {
    ...config,
    server: {
      ...config.server,
      host: flags.host ?? config.server.host,
      port: flags.port ?? config.server.port,
    },
    store: { ...config.store, path: flags.db ?? config.store.path },
    logLevel: flags["log-level"] ?? config.logLevel,
  };
}

/** Resolves on the first SIGINT or SIGTERM: how a foreground gateway is asked to stop. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

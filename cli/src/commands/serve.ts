import { ux } from "@oclif/core";
import { startGateway } from "@hermes/runtime";
import { HermesCommand } from "../base-command.js";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import {
  configPathOf,
  gatewayConfigOf,
  runGatewayFlags,
  untilStopSignal,
} from "../operate/gateway-flags.js";

export default class Serve extends HermesCommand<typeof Serve> {
  static override summary = "Run the gateway with a config file, in the foreground.";
  static override description =
    "Starts the gateway as configured (routes, API keys, store) and serves Connect, gRPC and gRPC-Web over h2c plus Connect over HTTP/1.1 on one port, until SIGINT or SIGTERM, then drains and stops (exit 0). Logs go to stdout as JSON (pino); the banner goes to stderr. HERMES_HOST, HERMES_PORT, HERMES_DB, HERMES_LOG_LEVEL and HERMES_API_KEYS override the file; flags override both. For a try-out gateway with no config, use `hermes dev`.";
  static override examples = [
    "<%= config.bin %> serve --config /etc/hermes/hermes.config.json",
    "HERMES_PORT=9090 <%= config.bin %> serve -c hermes.config.json --log-level warn",
  ];
  static override flags = runGatewayFlags;

  public async run(): Promise<void> {
    const path = configPathOf(this.flags);
    if (!path) {
      throw new Failure(
        ExitCode.Usage,
        "serve needs a config file: pass --config, set HERMES_CONFIG, or put hermes.config.json in this directory",
        {
          reason: "usage",
          hints: [
            "for a try-out gateway on embedded defaults run `hermes dev`",
            "see the README's Configuration section for the file's shape",
          ],
        },
      );
    }
    const config = gatewayConfigOf(path, this.flags);
    const gateway = await startGateway({ config });
    ux.stderr(
      `Hermes gateway listening on ${gateway.url} (config ${path}, ${config.routes.length} route${config.routes.length === 1 ? "" : "s"})`,
    );
    if (config.apiKeys.length === 0) {
      ux.stderr(
        ux.colorize(
          "yellow",
          "warning: the config has no apiKeys, so every call will be refused; add apiKeys (or HERMES_API_KEYS)",
        ),
      );
    }
    const signal = await untilStopSignal();
    gateway.log.info({ signal }, "shutting down");
    await gateway.close();
  }
}

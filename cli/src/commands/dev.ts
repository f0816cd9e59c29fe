import { dirname, join } from "node:path";
import { Flags, ux } from "@oclif/core";
import {
  devApiKey,
  devProvidersApiKey,
  devProvidersTenant,
  startDevEnvironment,
  type DevOptions,
} from "@hermes/runtime/dev";
import { devProviderNames } from "@hermes/runtime/simulators";
import type { Channel } from "@hermes/runtime/contracts";
import { HermesCommand } from "../base-command.js";
import { defaultServer } from "../connection/settings.js";
import {
  configPathOf,
  gatewayConfigOf,
  runGatewayFlags,
  untilStopSignal,
} from "../operate/gateway-flags.js";
import { channelName } from "../output/names.js";

/** A recipient to show in the banner's examples, per channel. */
const exampleSend: Readonly<Record<string, string>> = {
  sms: "--to +15550100 --body 'hello from hermes'",
  email: "--to dev@example.com --subject hello --body 'hello from hermes'",
  push: "--to dev-device-token --subject hello --body 'hello from hermes'",
  chat: "--to dev-user --body 'hello from hermes'",
  webhook: "--to https://your.endpoint.example/hook --body 'hello from hermes'",
};

export default class Dev extends HermesCommand<typeof Dev> {
  static override summary =
    "Run a development gateway: embedded defaults, local simulators and a dev key.";
  static override description =
    `Starts the gateway on http://127.0.0.1:8080 with SQLite in data/, the dev API key ${devApiKey} (tenant "dev") when the config has no keys, and, when it has no routes, default routes with local simulators standing in for carriers. Prints how to send a first message. Logs at warn unless --log-level says otherwise. Runs until Ctrl-C. The CLI sends the dev key to loopback gateways by itself, so \`hermes send\` works from another terminal with no setup. With --providers it also runs local mocks of ${devProviderNames.join(" and ")} with a \`wasm\` route each, running the plugin templates (built on first use, cached next to the database in dev-plugins/), for tenant "${devProvidersTenant}" and its key ${devProvidersApiKey}.`;
  static override examples = [
    "<%= config.bin %> dev",
    "<%= config.bin %> dev --providers",
    "<%= config.bin %> dev --port 0 --db /tmp/hermes.db --log-level info",
  ];
  static override flags = {
    ...runGatewayFlags,
    providers: Flags.boolean({
      description: `Also run provider mocks (${devProviderNames.join(", ")}) on loopback with wasm routes running the plugin templates, reached with the key ${devProvidersApiKey}.`,
    }),
  };

  public async run(): Promise<void> {
    const path = configPathOf(this.flags);
    const config = gatewayConfigOf(path, {
      ...this.flags,
      "log-level": this.flags["log-level"] ?? "warn",
    });
    const options: DevOptions = this.flags.providers
      ? {
          providers: {
            names: devProviderNames,
            compile: compileTemplate,
            cacheDir: join(dirname(config.store.path), "dev-plugins"),
          },
        }
      : {};
    const env = await this.step(
      this.flags.providers
        ? "Starting the dev gateway and provider mocks"
        : "Starting the dev gateway",
      () => startDevEnvironment(config, undefined, options),
    );
    const { gateway } = env;
    const serverFlag = gateway.url === defaultServer ? "" : ` --server ${gateway.url}`;
    const providerRoutes = new Set(env.providerRoutes.map((r) => r.name));
    const channels = [
      ...new Set(
        gateway.router.routes
          .filter((r) => !providerRoutes.has(r.config.name))
          .map((r) => channelName(r.config.channel as Channel)),
      ),
    ];
    const providerToken = env.usingDevKey ? devProvidersApiKey : "<a key of tenant dev-providers>";
    this.log(
      [
        "",
        `Hermes dev gateway listening on ${ux.colorize("bold", gateway.url)}${path ? ` (config ${path})` : " (embedded defaults)"}`,
        env.usingDevKey
          ? `  API key ${devApiKey} (tenant "dev"); the CLI uses it for loopback gateways by itself`
          : "  API keys from the config (pass --token to the CLI)",
        `  routes: ${gateway.router.routes.map((r) => `${r.config.name} (${channelName(r.config.channel as Channel)}, ${r.adapter.type})`).join(", ")}`,
        ...env.services.map((s) => `  ${s.name}: ${s.description}`),
        "",
        "Try it from another terminal:",
        ...channels.map(
          (c) =>
            `  hermes send${serverFlag} --channel ${c} ${exampleSend[c] ?? "--to <recipient> --body hello"} --wait`,
        ),
        ...env.providerRoutes.map((r) => {
          const c = channelName(r.channel);
          return `  hermes send${serverFlag} --token ${providerToken} --channel ${c} ${exampleSend[c] ?? "--to <recipient> --body hello"} --wait   # through ${r.name}`;
        }),
        `  hermes watch${serverFlag}`,
        `  hermes health${serverFlag}`,
        "",
        "Ctrl-C stops it.",
      ].join("\n"),
    );
    await untilStopSignal();
    await this.step("Stopping", () => env.close());
  }
}

/**
 * A template build for dev: -O2, which compiles several times faster than -O3 and sends the same.
 */
async function compileTemplate(entry: string): Promise<Uint8Array> {
  // The compiler takes seconds to load: only on a cache miss.
  const { buildPlugin } = await import("@hermes/sdk/build");
  return (await buildPlugin({ entry, optimizeLevel: 2 })).wasm;
}

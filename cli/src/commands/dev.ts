import { ux } from "@oclif/core";
import { devApiKey, startDevEnvironment } from "@hermes/runtime/dev/dev-environment";
import type { Channel } from "@hermes/runtime/gen/hermes/v1/message_pb";
import { HermesCommand } from "../base-command.js";
import { defaultServer } from "../connection/settings.js";
import { configPathOf, gatewayConfigOf, runGatewayFlags, untilStopSignal } from "../operate/gateway-flags.js";
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
  static override summary = "Run a development gateway: embedded defaults, local simulators and a dev key.";
  static override description = `Starts the gateway on http://127.0.0.1:8080 with SQLite in data/, the dev API key ${devApiKey} (tenant "dev") when the config has no keys, and, when it has no routes, default routes with local simulators standing in for carriers. Prints how to send a first message. Logs at warn unless --log-level says otherwise. Runs until Ctrl-C. The CLI sends the dev key to loopback gateways by itself, so \`hermes send\` works from another terminal with no setup.`;
  static override examples = ["<%= config.bin %> dev", "<%= config.bin %> dev --port 0 --db /tmp/hermes.db --log-level info"];
  static override flags = runGatewayFlags;

  public async run(): Promise<void> {
    const path = configPathOf(this.flags);
    const config = gatewayConfigOf(path, { ...this.flags, "log-level": this.flags["log-level"] ?? "warn" });
    const env = await this.step("Starting the dev gateway", () => startDevEnvironment(config));
    const { gateway } = env;
    const serverFlag = gateway.url === defaultServer ? "" : ` --server ${gateway.url}`;
    const channels = [...new Set(gateway.router.routes.map((r) => channelName(r.config.channel as Channel)))];
    this.log(
      [
        "",
        `Hermes dev gateway listening on ${ux.colorize("bold", gateway.url)}${path ? ` (config ${path})` : " (embedded defaults)"}`,
        env.usingDevKey ? `  API key ${devApiKey} (tenant "dev"); the CLI uses it for loopback gateways by itself` : "  API keys from the config (pass --token to the CLI)",
        `  routes: ${gateway.router.routes.map((r) => `${r.config.name} (${channelName(r.config.channel as Channel)}, ${r.adapter.type})`).join(", ")}`,
        ...env.services.map((s) => `  ${s.name}: ${s.description}`),
        "",
        "Try it from another terminal:",
        ...channels.map((c) => `  hermes send${serverFlag} --channel ${c} ${exampleSend[c] ?? "--to <recipient> --body hello"} --wait`),
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

import { Flags, type Command, type Interfaces } from "@oclif/core";
import { HermesCommand } from "./base-command.js";
import { createClients, type GatewayClients } from "./connection/clients.js";
import {
  defaultServer,
  devToken,
  resolveConnection,
  type ConnectionSettings,
} from "./connection/settings.js";
import type { FailureContext } from "./errors/failure.js";

/** A command that talks to a gateway: connection flags, settings and clients. */
export abstract class GatewayCommand<T extends typeof Command> extends HermesCommand<T> {
  static override baseFlags = {
    server: Flags.string({
      description: `Gateway URL. Else the profile, HERMES_URL, or ${defaultServer}.`,
      helpGroup: "CONNECTION",
      helpValue: "<url>",
    }),
    token: Flags.string({
      description: `API key. Else the profile or HERMES_TOKEN; a loopback gateway gets the dev key (${devToken}).`,
      helpGroup: "CONNECTION",
      helpValue: "<key>",
    }),
    profile: Flags.string({
      description: "Named profile from ~/.config/hermes/config.json (or HERMES_PROFILE).",
      helpGroup: "CONNECTION",
      helpValue: "<name>",
    }),
    http1: Flags.boolean({
      description: "Speak Connect over HTTP/1.1 instead of HTTP/2 cleartext (for proxies).",
      helpGroup: "CONNECTION",
    }),
  };

  protected connection!: ConnectionSettings;
  private clientsCache: GatewayClients | undefined;

  public override async init(): Promise<void> {
    await super.init();
    const flags = this.flags as unknown as Interfaces.InferredFlags<
      (typeof GatewayCommand)["baseFlags"]
    >;
    this.connection = resolveConnection({ flags, env: process.env });
  }

  protected get gateway(): GatewayClients {
    this.clientsCache ??= createClients(this.connection);
    return this.clientsCache;
  }

  protected override failureContext(): FailureContext {
    return this.connection
      ? { server: this.connection.server, tokenSource: this.connection.tokenSource }
      : {};
  }
}

import { randomBytes } from "node:crypto";
import { Channel } from "../../gen/hermes/v1/message_pb.js";
import type { RouteConfig } from "../../config/gateway-config.js";
import type { ProviderMock } from "./provider-mock.js";
import { SendGridMock } from "./sendgrid-mock.js";
import { TwilioMock } from "./twilio-mock.js";

/** The providers `hermes dev --providers` can stand in for. */
export const devProviderNames = ["twilio", "sendgrid"] as const;
export type DevProviderName = (typeof devProviderNames)[number];

/** A provider mock on loopback and the `wasm` route that runs its template against it. */
export interface ProviderDevService {
  readonly name: string;
  readonly description: string;
  readonly route: RouteConfig;
  /** Lets the mock post its status webhooks to the gateway, once it listens. */
  connect(gatewayUrl: string): void;
  close(): Promise<void>;
}

interface DevProvider {
  /** The folder under plugin-templates/. */
  readonly template: string;
  readonly channel: Channel;
  readonly description: string;
  /** A fresh mock and the template's provider config pointing at it. */
  mock(route: string): {
    readonly mock: ProviderMock;
    config(baseUrl: string): Record<string, string>;
  };
}

const devProviders: Readonly<Record<DevProviderName, DevProvider>> = {
  twilio: {
    template: "twilio-sms",
    channel: Channel.SMS,
    description: "Twilio Messaging API mock",
    mock(route) {
      const accountSid = `AC${randomBytes(16).toString("hex")}`;
      const authToken = randomBytes(16).toString("hex");
      return {
        mock: new TwilioMock(accountSid, authToken),
        // The URL Twilio is told and signs; the mock posts to the gateway's loopback address behind
        // it, as a proxy would.
        config: (baseUrl) => ({
          account_sid: accountSid,
          auth_token: authToken,
          from: "+15005550006",
          base_url: baseUrl,
          status_callback_url: `http://hermes.localhost/webhooks/${route}`,
        }),
      };
    },
  },
  sendgrid: {
    template: "sendgrid-email",
    channel: Channel.EMAIL,
    description: "SendGrid Mail Send API mock",
    mock() {
      const apiKey = `SG.${randomBytes(16).toString("hex")}`;
      const mock = new SendGridMock(apiKey);
      return {
        mock,
        config: (baseUrl) => ({
          api_key: apiKey,
          from_email: "Hermes Dev <dev@hermes.localhost>",
          webhook_public_key: mock.verificationKey,
          base_url: baseUrl,
        }),
      };
    },
  },
};

/** The template a dev provider runs. */
export function devProviderTemplate(name: DevProviderName): string {
  return devProviders[name].template;
}

/**
 * Starts `name`'s mock on a free loopback port and describes a `wasm` route
 * (named after the provider, for `tenants`) running `pluginFile` against it:
 * plain http and 127.0.0.1 allowed for that route only, as an operator would
 * for a provider sandbox. Each accepted message is reported delivered by
 * the mock's own webhook a moment later.
 */
export async function startProviderDevService(
  name: DevProviderName,
  pluginFile: string,
  tenants: readonly string[],
  retry: RouteConfig["retry"],
): Promise<ProviderDevService> {
  const provider = devProviders[name];
  const { mock, config } = provider.mock(name);
  const baseUrl = await mock.start();
  const route: RouteConfig = {
    name,
    channel: provider.channel,
    adapter: "wasm",
    tenants,
    config: {
      file: pluginFile,
      config: config(baseUrl),
      allowHttp: true,
      allowHosts: ["127.0.0.1"],
      workers: 1,
    },
    retry,
    validitySeconds: 3600,
  };
  return {
    name,
    description: `${provider.description}: ${baseUrl} (plugin ${provider.template}, route ${name})`,
    route,
    connect: (gatewayUrl) => mock.autoDeliver(`${gatewayUrl}/webhooks/${name}`),
    close: () => mock.close(),
  };
}

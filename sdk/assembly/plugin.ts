// What a plugin author implements. Every hook gets the decoded request and
// returns the response to encode; the SDK's exports (exports.ts) do the ABI.
import {
  ConfigureRequest,
  ConfigureResponse,
  HandleResponseRequest,
  HandleResponseResponse,
  HealthRequest,
  HealthResponse,
  Manifest,
  ParseWebhookRequest,
  ParseWebhookResponse,
  PrepareSendRequest,
  PrepareSendResponse,
} from "./gen/hermes/plugin/v1/plugin_pb";

/**
 * A Hermes plugin. Override `manifest` and `prepareSend`; the other hooks
 * have defaults that suit a provider without multi-step flows or webhooks.
 * A hook that cannot go on may `throw new Error(text)`: the call fails with
 * that text (the host counts it as a plugin failure); expected outcomes
 * (a refused message, a bad config) belong in the response instead.
 */
export abstract class Plugin {
  /** Who the plugin is and what it may do; also embedded in the .wasm at build time. */
  abstract manifest(): Manifest;

  /** Checks a route's configuration; the default accepts anything. */
  configure(request: ConfigureRequest): ConfigureResponse {
    return new ConfigureResponse();
  }

  /** Turns a message into the HTTP request that sends it, or into a result. */
  abstract prepareSend(request: PrepareSendRequest): PrepareSendResponse;

  /** Reads the provider's answer to the request `prepareSend` asked for. */
  handleResponse(request: HandleResponseRequest): HandleResponseResponse {
    throw new Error("handleResponse is not implemented by this plugin");
  }

  /** Turns a provider webhook into delivery events; the default refuses it with 404. */
  parseWebhook(request: ParseWebhookRequest): ParseWebhookResponse {
    const response = new ParseWebhookResponse();
    response.replyStatus = 404;
    response.error = "this plugin does not accept webhooks";
    return response;
  }

  /** Whether the plugin can work with this configuration; the default says yes. */
  health(request: HealthRequest): HealthResponse {
    const response = new HealthResponse();
    response.ok = true;
    return response;
  }
}

let registered: Plugin | null = null;

/** Makes `plugin` the one this module's exports call. Call it once, at the top level. */
export function register(plugin: Plugin): void {
  registered = plugin;
}

/** The registered plugin; aborts with a clear message when there is none. */
export function registeredPlugin(): Plugin {
  const plugin = registered;
  if (plugin === null)
    throw new Error("no plugin registered: call register(new MyPlugin()) at the top level");
  return plugin;
}

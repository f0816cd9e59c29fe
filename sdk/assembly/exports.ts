// The six exports of the Hermes plugin ABI (docs/plugin-abi.md). A plugin's
// entry file re-exports them: `export * from "@hermes/sdk/exports";`
// Each decodes its request, calls the registered Plugin and writes the encoded
// response; 0 = ok, 1 = error (the error text is the output).
import { endCall, readInput, writeError, writeOutput } from "./abi/io";
import {
  ConfigureRequest,
  ConfigureResponse,
  DescribeRequest,
  DescribeResponse,
  HandleResponseRequest,
  HandleResponseResponse,
  HealthRequest,
  HealthResponse,
  ParseWebhookRequest,
  ParseWebhookResponse,
  PrepareSendRequest,
  PrepareSendResponse,
} from "./gen/hermes/plugin/v1/plugin_pb";
import { Plugin, registeredPlugin } from "./plugin";
import { Writer } from "./proto";

// Reused by every call, so a steady stream of calls allocates no output buffer.
const output = new Writer(4096);

function serve<Req, Res>(call: string, handle: (plugin: Plugin, request: Req) => Res): i32 {
  const input = readInput();
  const request = instantiate<Req>();
  request.mergeFrom(input);
  const error = input.error;
  if (error !== null) {
    writeError(call + ": malformed input: " + error);
    return endCall(1);
  }
  const response = handle(registeredPlugin(), request);
  output.reset();
  response.encodeTo(output);
  writeOutput(output);
  return endCall(0);
}

export function describe(): i32 {
  return serve<DescribeRequest, DescribeResponse>(
    "describe",
    (plugin: Plugin, request: DescribeRequest): DescribeResponse => {
      const response = new DescribeResponse();
      response.manifest = plugin.manifest();
      return response;
    },
  );
}

export function configure(): i32 {
  return serve<ConfigureRequest, ConfigureResponse>(
    "configure",
    (plugin: Plugin, request: ConfigureRequest): ConfigureResponse => plugin.configure(request),
  );
}

export function prepare_send(): i32 {
  return serve<PrepareSendRequest, PrepareSendResponse>(
    "prepare_send",
    (plugin: Plugin, request: PrepareSendRequest): PrepareSendResponse =>
      plugin.prepareSend(request),
  );
}

export function handle_response(): i32 {
  return serve<HandleResponseRequest, HandleResponseResponse>(
    "handle_response",
    (plugin: Plugin, request: HandleResponseRequest): HandleResponseResponse =>
      plugin.handleResponse(request),
  );
}

export function parse_webhook(): i32 {
  return serve<ParseWebhookRequest, ParseWebhookResponse>(
    "parse_webhook",
    (plugin: Plugin, request: ParseWebhookRequest): ParseWebhookResponse =>
      plugin.parseWebhook(request),
  );
}

export function health(): i32 {
  return serve<HealthRequest, HealthResponse>(
    "health",
    (plugin: Plugin, request: HealthRequest): HealthResponse => plugin.health(request),
  );
}

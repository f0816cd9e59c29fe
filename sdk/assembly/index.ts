// The Hermes plugin SDK for AssemblyScript (docs/plugin-sdk.md).
export { Plugin, register } from "./plugin";
export * from "./gen/hermes/plugin/v1/plugin_pb";
export * from "./gen/hermes/plugin/v1/host_pb";
export * from "./gen/hermes/v1/message_pb";
export * from "./gen/hermes/v1/error_pb";
export { Timestamp } from "./gen/google/protobuf/timestamp_pb";
export { log, metrics, configGet, nowMs, kv, crypto } from "./host";
export { addressOf, addressText } from "./address";
export {
  ConfigFieldOptions,
  checkHttpUrl,
  configField,
  configProblem,
  requireConfig,
  requireHealth,
  setting,
} from "./config";
export {
  MIN_CALLBACK_TOKEN_LENGTH,
  callbackUrl,
  checkCallbackToken,
  refuseCallbackToken,
} from "./callback";
export {
  FailureOptions,
  acceptWebhook,
  failed,
  failedEvent,
  failedFromHttp,
  header,
  isSuccess,
  noticeEvent,
  refuseWebhook,
  request,
  retryAfterMs,
  statusEvent,
  submitted,
  withBody,
  withHeader,
} from "./results";
export {
  base64,
  base64url,
  constantTimeEqual,
  fromBase64,
  fromHex,
  fromUtf8,
  hex,
  utf8,
} from "./encoding";
export {
  Form,
  FormField,
  formDecode,
  formEncode,
  parseForm,
  parseFormFields,
  percentDecode,
  percentEncode,
  urlQuery,
  urlWithoutQuery,
} from "./url";
export { JsonKind, JsonParser, JsonValue, JsonWriter, jsonString, parseJson } from "./json";
export { Reader, Writer } from "./proto";

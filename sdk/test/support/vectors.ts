// Sample messages for the encode/decode vectors, built with protobuf-es: the
// contracts a plugin exchanges (filled in, Unicode included) and the test
// contracts with every scalar kind at its edges. `messageTypes` lists the
// types in the order sdk/test/assembly/vectors.ts numbers them.
import { create, type DescMessage, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ErrorCode,
  ErrorSchema,
  Channel,
  DeliveryEventKind,
  DeliveryEventSchema,
  MessageSchema,
  MessageStatus,
} from "@hermes/runtime/contracts";
import {
  AbiVersion,
  Capability,
  ConfigureRequestSchema,
  ConfigureResponseSchema,
  DescribeResponseSchema,
  HandleResponseRequestSchema,
  HandleResponseResponseSchema,
  HealthResponseSchema,
  ParseWebhookRequestSchema,
  ParseWebhookResponseSchema,
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
  ClockResponseSchema,
  HashAlgorithm,
  HmacRequestSchema,
  KvSetRequestSchema,
  LogLevel,
  LogRequestSchema,
  MetricKind,
  MetricRequestSchema,
} from "@hermes/runtime/contracts/plugin";
import { testProtos } from "./test-protos.js";

const { registry } = testProtos();
const testType = (name: string): DescMessage => {
  const desc = registry.getMessage(`hermes.sdktest.v1.${name}`);
  if (!desc) throw new Error(`hermes.sdktest.v1.${name} is not in sdk/test/proto`);
  return desc;
};
export const ScalarsSchema = testType("Scalars");
export const RepeatedSchema = testType("Repeated");
export const MapsSchema = testType("Maps");
export const NestedSchema = testType("Nested");

/** Index = the type byte vectors.ts's `roundtrip` export expects. */
export const messageTypes: DescMessage[] = [
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
  HandleResponseRequestSchema,
  HandleResponseResponseSchema,
  ParseWebhookRequestSchema,
  ParseWebhookResponseSchema,
  DescribeResponseSchema,
  ConfigureRequestSchema,
  ConfigureResponseSchema,
  HealthResponseSchema,
  DeliveryEventSchema,
  LogRequestSchema,
  MetricRequestSchema,
  KvSetRequestSchema,
  ClockResponseSchema,
  HmacRequestSchema,
  ScalarsSchema,
  RepeatedSchema,
  MapsSchema,
  NestedSchema,
];

const unicode = "héllo 世界 😀 𝄞 \u0000 \u2028 é";
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export const sampleMessage = create(MessageSchema, {
  id: "01JH5Z6W6M6ZP6X9Q3F7W4T8RC",
  tenant: "acme",
  channel: Channel.SMS,
  to: { kind: { case: "phone", value: "+447700900123" } },
  from: { kind: { case: "email", value: "Ann <ann@example.com>" } },
  content: {
    text: `Your code is 123456 ${unicode}`,
    html: "<p>hi &amp; bye</p>",
    subject: "Grüße",
    attachments: [
      {
        filename: "a.png",
        contentType: "image/png",
        data: bytes(0x89, 0x50, 0x4e, 0x47, 0, 255),
        contentId: "cid1",
      },
    ],
    template: { name: "otp", language: "en_US", variables: { code: "123456", name: "Zoë" } },
  },
  metadata: { campaign: "spring", "user-id": "42", "": "empty key" },
  idempotencyKey: "key-1",
  status: MessageStatus.QUEUED,
  createdAt: timestampFromMs(1764158400123),
  updatedAt: timestampFromMs(1764158401000),
  attempts: 2,
  error: {
    code: ErrorCode.THROTTLED,
    message: "slow down",
    retryable: true,
    providerCode: "429",
    retryAfterMs: 1500,
  },
  route: "twilio-sms",
  providerMessageId: "SM123",
  expiresAt: timestampFromMs(1764244800000),
  priority: 9,
});

export const samplePrepareSendRequest = create(PrepareSendRequestSchema, {
  message: sampleMessage,
  config: { accountSid: "AC123", authToken: "secret", from: "+15005550006" },
  attempt: 3,
});

const httpRequest = {
  method: "POST",
  url: "https://api.example.com/2010-04-01/Accounts/AC123/Messages.json?x=1&y=é",
  headers: [
    { name: "Content-Type", value: "application/x-www-form-urlencoded" },
    { name: "Set-Cookie", value: "a=1" },
    { name: "Set-Cookie", value: "b=2" },
  ],
  body: utf8(`To=%2B447700900123&Body=${encodeURIComponent(unicode)}`),
  timeoutMs: 10_000,
};

const deliveryEvent = create(DeliveryEventSchema, {
  sequence: 18446744073709551615n,
  messageId: "01JH5Z6W6M6ZP6X9Q3F7W4T8RC",
  tenant: "acme",
  kind: DeliveryEventKind.INBOUND,
  status: MessageStatus.DELIVERED,
  time: timestampFromMs(-1),
  detail: { raw: "DELIVRD", err: "000" },
  error: { code: ErrorCode.INVALID_RECIPIENT, message: unicode, field: "message.to.phone" },
  channel: Channel.CHAT,
  providerMessageId: "wamid.HBgL",
  from: { kind: { case: "chatId", value: "447700900123" } },
  to: { kind: { case: "url", value: "https://example.com/hook" } },
  text: unicode,
});

const scalarsEdges: MessageInitShape<DescMessage> = {
  fDouble: -1.7976931348623157e308,
  fFloat: 3.4028234663852886e38,
  fInt64: -9223372036854775808n,
  fUint64: 18446744073709551615n,
  fInt32: -2147483648,
  fFixed64: 18446744073709551615n,
  fFixed32: 4294967295,
  fBool: true,
  fString: unicode,
  fBytes: bytes(0, 1, 127, 128, 255),
  fUint32: 4294967295,
  fSfixed32: -2147483648,
  fSfixed64: -9223372036854775808n,
  fSint32: -2147483648,
  fSint64: -9223372036854775808n,
  fEnum: -1,
};

/** Every vector: a message of `messageTypes[type]`. */
export function vectors(): Array<{ name: string; type: number; message: Message }> {
  const list: Array<[DescMessage, string, MessageInitShape<DescMessage>]> = [
    [PrepareSendRequestSchema, "full message, Unicode", samplePrepareSendRequest],
    [PrepareSendRequestSchema, "empty", {}],
    [
      PrepareSendResponseSchema,
      "http",
      { action: { case: "http", value: httpRequest }, state: bytes(1, 2, 3) },
    ],
    [
      PrepareSendResponseSchema,
      "result error",
      {
        action: {
          case: "result",
          value: {
            outcome: {
              case: "error",
              value: { code: ErrorCode.INVALID_ARGUMENT, field: "message.to" },
            },
            detail: { a: "b" },
          },
        },
      },
    ],
    [
      PrepareSendResponseSchema,
      "oneof set to an empty message",
      { action: { case: "result", value: {} } },
    ],
    // Lengths of two and three varint bytes at several nesting levels (the writer shifts bodies it
    // underestimated).
    [
      PrepareSendResponseSchema,
      "100 KB body",
      {
        action: {
          case: "http",
          value: { ...httpRequest, body: new Uint8Array(100_000).map((_, i) => i & 0xff) },
        },
      },
    ],
    [
      PrepareSendRequestSchema,
      "20 000-character text",
      {
        message: {
          id: "m-1",
          to: { kind: { case: "phone", value: "+1" } },
          content: { text: "é😀".repeat(6_667), subject: "s" },
        },
        attempt: 1,
      },
    ],
    [
      HandleResponseRequestSchema,
      "response and transport error",
      {
        message: sampleMessage,
        config: { k: "v" },
        request: httpRequest,
        response: {
          status: 503,
          headers: [{ name: "Retry-After", value: "2" }],
          body: utf8('{"error":"busy"}'),
          transportError: create(ErrorSchema, { code: ErrorCode.TIMEOUT, retryable: true }),
        },
        state: bytes(9, 9),
        attempt: 1,
        step: 2,
      },
    ],
    [
      HandleResponseResponseSchema,
      "provider id",
      {
        action: {
          case: "result",
          value: { outcome: { case: "providerMessageId", value: "" }, detail: { price: "0.0075" } },
        },
      },
    ],
    [
      HandleResponseResponseSchema,
      "next request",
      { action: { case: "http", value: httpRequest }, state: utf8("token=abc") },
    ],
    [
      ParseWebhookRequestSchema,
      "form body",
      {
        request: {
          method: "POST",
          url: "/webhooks/twilio/main?x=1",
          headers: httpRequest.headers,
          body: utf8("MessageSid=SM1&MessageStatus=delivered"),
          publicUrl: "https://hermes.example.com/webhooks/twilio/main?x=1",
        },
        config: { authToken: "t" },
      },
    ],
    [
      ParseWebhookResponseSchema,
      "events",
      {
        events: [deliveryEvent, create(DeliveryEventSchema, {})],
        replyStatus: 200,
        replyBody: utf8("<Response/>"),
        replyContentType: "text/xml",
        error: "",
      },
    ],
    [
      DescribeResponseSchema,
      "manifest",
      {
        manifest: {
          name: "twilio-sms",
          version: "1.4.0-rc.1+build.7",
          abiVersion: AbiVersion.V1,
          channels: [Channel.SMS, Channel.CHAT],
          capabilities: [Capability.HTTP, Capability.KV, Capability.CRYPTO, Capability.WEBHOOK],
          configSchema: [
            {
              name: "authToken",
              description: "Auth token ✓",
              required: true,
              secret: true,
              defaultValue: "",
            },
            { name: "region", defaultValue: "us1" },
          ],
          allowedHosts: ["api.twilio.com", "*.twilio.com"],
          limits: {
            callTimeoutMs: 100,
            maxMemoryPages: 256,
            maxIoBytes: 1 << 20,
            maxHttpResponseBytes: 4294967295,
          },
          description: "Twilio Programmable Messaging",
          publisher: "Hermes",
        },
      },
    ],
    [ConfigureRequestSchema, "config", { config: { a: "1", ключ: "значение" }, route: "r" }],
    [
      ConfigureResponseSchema,
      "problems",
      {
        problems: [
          { field: "authToken", reason: "required" },
          { field: "", reason: "" },
        ],
      },
    ],
    [HealthResponseSchema, "ok", { ok: true, detail: "fine" }],
    [DeliveryEventSchema, "every field", deliveryEvent],
    [
      LogRequestSchema,
      "fields",
      { level: LogLevel.WARN, message: unicode, fields: { route: "r", n: "1" } },
    ],
    [
      MetricRequestSchema,
      "double",
      {
        name: "sent_total",
        kind: MetricKind.HISTOGRAM,
        value: 0.1 + 0.2,
        labels: { status: "ok" },
      },
    ],
    [KvSetRequestSchema, "ttl", { key: "token", value: utf8("abc"), ttlSeconds: 3600 }],
    [ClockResponseSchema, "int64", { unixMs: 1764158400123n }],
    [ClockResponseSchema, "negative int64", { unixMs: -1n }],
    [
      HmacRequestSchema,
      "hmac",
      { algorithm: HashAlgorithm.SHA512, keyConfig: "signingKey", data: utf8("payload") },
    ],
    [ScalarsSchema, "edges", scalarsEdges],
    [
      ScalarsSchema,
      "small values",
      {
        fDouble: 5e-324,
        fFloat: 1.5,
        fInt64: 1n,
        fUint64: 1n,
        fInt32: -1,
        fFixed64: 1n,
        fFixed32: 1,
        fUint32: 127,
        fSint32: 1,
        fSint64: -1n,
        fEnum: 2,
      },
    ],
    [ScalarsSchema, "default values", {}],
    [
      RepeatedSchema,
      "every list",
      {
        doubles: [0, -0.5, 1e300],
        floats: [1.5, -2.25],
        int64s: [0n, -1n, 9223372036854775807n],
        uint64s: [18446744073709551615n, 0n],
        int32s: [1, -1, 300, -2147483648],
        fixed64s: [1n, 18446744073709551615n],
        fixed32s: [0, 4294967295],
        bools: [true, false, true],
        strings: ["a", "", unicode],
        bytesList: [bytes(), bytes(1, 2)],
        uint32s: [0, 128, 16384, 4294967295],
        sfixed32s: [-1, 1],
        sfixed64s: [-1n, 1n],
        sint32s: [-1, 1, -2147483648, 2147483647],
        sint64s: [-1n, -9223372036854775808n],
        colors: [1, 2, -1, 0],
        messages: [{}, scalarsEdges],
        unpackedInt32s: [0, -5, 5],
      },
    ],
    [
      MapsSchema,
      "every map",
      {
        stringString: { a: "1", "": "", [unicode]: unicode },
        int32Int64: { "-1": 9223372036854775807n, "0": 0n, "7": -7n },
        stringMessage: { m: scalarsEdges, empty: {} },
        boolBytes: { true: bytes(1), false: bytes() },
        uint64Enum: { "18446744073709551615": -1, "1": 2 },
        sint32Double: { "-2147483648": -0.5, "3": 0 },
      },
    ],
    [NestedSchema, "text, empty string", { choice: { case: "text", value: "" } }],
    [NestedSchema, "number, zero", { choice: { case: "number", value: 0n } }],
    [NestedSchema, "color, zero", { choice: { case: "color", value: 0 } }],
    [NestedSchema, "blob, empty", { choice: { case: "blob", value: bytes() } }],
    [
      NestedSchema,
      "deep",
      {
        inner: { name: "a", child: { name: "b", child: { name: "c" } } },
        kind: 1,
        choice: { case: "scalars", value: scalarsEdges },
        at: { seconds: -62135596800n, nanos: 999999999 },
        took: { seconds: 315576000000n, nanos: 1 },
      },
    ],
  ];
  return list.map(([schema, name, init]) => ({
    name: `${schema.name}: ${name}`,
    type: messageTypes.indexOf(schema),
    message: create(schema, init),
  }));
}

// A provider template against the same provider mapping written in plain
// TypeScript, in one run: the twilio-sms template's send (prepare_send, then
// handle_response of Twilio's 201 answer) and its status-callback check
// (X-Twilio-Signature via the host HMAC, form parsing, status mapping),
// through the plugin host's supervised worker pool (2 workers, 256 calls in
// flight), against a TypeScript function doing the same work on the main
// thread. The ratios (template / TypeScript, higher is better) are the price
// of sandboxing a provider. Each side runs three times, interleaved; the
// median counts.
import { createHmac } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { pino } from "pino";
import {
  HandleResponseRequestSchema,
  HandleResponseResponseSchema,
  ParseWebhookRequestSchema,
  ParseWebhookResponseSchema,
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
} from "@hermes/runtime/contracts/plugin";
import { Channel, MessageSchema } from "@hermes/runtime/contracts";
import { compilePlugin, PluginPool, PluginVersion } from "@hermes/runtime/plugin-host";
import { buildTemplate } from "../providers/support/templates.js";
import { concurrently, median, perSecond } from "./_measure.js";

const sends = 50_000;
const callbacks = 50_000;
const rounds = 3;
const callers = 256;
const sid = `AC${"a".repeat(32)}`;
const config = {
  account_sid: sid,
  auth_token: "bench-token",
  from: "+15005550006",
  status_callback_url: "https://hermes.example.com/webhooks/twilio",
  base_url: "https://api.twilio.com",
};
const message = create(MessageSchema, {
  id: "m-1",
  channel: Channel.SMS,
  to: { kind: { case: "phone", value: "+14155552345" } },
  content: { text: "Your code is 123456" },
});
const answer = JSON.stringify({
  sid: `SM${"b".repeat(32)}`,
  account_sid: sid,
  status: "queued",
  to: "+14155552345",
  from: "+15005550006",
  body: "Your code is 123456",
  direction: "outbound-api",
  api_version: "2010-04-01",
});
const callbackBody = `SmsSid=SM${"b".repeat(32)}&SmsStatus=delivered&MessageStatus=delivered&To=%2B14155552345&MessageSid=SM${"b".repeat(32)}&AccountSid=${sid}&From=%2B15005550006&ApiVersion=2010-04-01`;

function twilioSignature(url: string, body: string): string {
  const params = [...new URLSearchParams(body)].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : 1,
  );
  return createHmac("sha1", config.auth_token)
    .update(url + params.map(([k, v]) => k + v).join(""))
    .digest("base64");
}
const signature = twilioSignature(config.status_callback_url, callbackBody);

/** The reference: the template's send, in TypeScript. */
function referenceSend(): string {
  const form = new URLSearchParams({
    To: "+14155552345",
    From: config.from,
    Body: "Your code is 123456",
    StatusCallback: config.status_callback_url,
  });
  const request = {
    method: "POST",
    url: `${config.base_url}/2010-04-01/Accounts/${sid}/Messages.json`,
    headers: {
      authorization: `Basic ${Buffer.from(`${sid}:${config.auth_token}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: form.toString(),
  };
  if (!request.body) throw new Error("no body");
  const parsed = JSON.parse(answer) as { sid?: string };
  if (!parsed.sid) throw new Error("no sid");
  return parsed.sid;
}

/** The reference: the template's callback check, in TypeScript. */
function referenceCallback(): string {
  const expected = Buffer.from(twilioSignature(config.status_callback_url, callbackBody), "base64");
  if (!expected.equals(Buffer.from(signature, "base64"))) throw new Error("bad signature");
  const form = new URLSearchParams(callbackBody);
  return `${form.get("MessageSid")}:${form.get("MessageStatus") === "delivered" ? "DELIVERED" : "OTHER"}`;
}

export default async function bench(): Promise<Record<string, number>> {
  const built = await buildTemplate("twilio-sms");
  const module = await compilePlugin(built.wasm);
  built.cleanup();
  const pool = new PluginPool({ name: "bench-templates", size: 2, log: pino({ level: "silent" }) });
  await pool.start();
  const version = await PluginVersion.load(pool, module, "bench", config);
  const call = (fn: string, input: Uint8Array) =>
    pool.call({ plugin: version.id, fn, input, tenant: "", timeoutMs: 1000, label: version.label });

  const prepareInput = toBinary(
    PrepareSendRequestSchema,
    create(PrepareSendRequestSchema, { message, config, attempt: 1 }),
  );
  const prepared = fromBinary(PrepareSendResponseSchema, await call("prepare_send", prepareInput));
  if (prepared.action.case !== "http") throw new Error("the template did not ask for a request");
  const handleInput = toBinary(
    HandleResponseRequestSchema,
    create(HandleResponseRequestSchema, {
      message,
      config,
      request: prepared.action.value,
      response: {
        status: 201,
        headers: [{ name: "content-type", value: "application/json" }],
        body: Buffer.from(answer),
      },
      attempt: 1,
      step: 1,
    }),
  );
  const handled = fromBinary(
    HandleResponseResponseSchema,
    await call("handle_response", handleInput),
  );
  if (handled.action.case !== "result" || handled.action.value.outcome.value !== referenceSend())
    throw new Error("the template and the reference disagree on the send");
  const webhookInput = toBinary(
    ParseWebhookRequestSchema,
    create(ParseWebhookRequestSchema, {
      request: {
        method: "POST",
        url: "/webhooks/twilio",
        headers: [
          { name: "x-twilio-signature", value: signature },
          { name: "content-type", value: "application/x-www-form-urlencoded" },
        ],
        body: Buffer.from(callbackBody),
        publicUrl: config.status_callback_url,
      },
      config,
    }),
  );
  const parsed = fromBinary(ParseWebhookResponseSchema, await call("parse_webhook", webhookInput));
  if (parsed.events.length !== 1 || parsed.replyStatus !== 200)
    throw new Error(`the template refused the bench callback: ${parsed.error}`);

  const results = {
    send: [] as number[],
    sendReference: [] as number[],
    callback: [] as number[],
    callbackReference: [] as number[],
  };
  for (let round = 0; round < rounds; round++) {
    results.send.push(
      await perSecond(sends, () =>
        concurrently(sends, callers, async () => {
          await call("prepare_send", prepareInput);
          await call("handle_response", handleInput);
        }),
      ),
    );
    results.sendReference.push(
      await perSecond(sends, async () => {
        for (let i = 0; i < sends; i++) referenceSend();
      }),
    );
    results.callback.push(
      await perSecond(callbacks, () =>
        concurrently(callbacks, callers, () => call("parse_webhook", webhookInput)),
      ),
    );
    results.callbackReference.push(
      await perSecond(callbacks, async () => {
        for (let i = 0; i < callbacks; i++) referenceCallback();
      }),
    );
  }
  await pool.stop();
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<
    keyof typeof results,
    number
  >;
  return {
    twilio_template_sends_per_s: m.send,
    twilio_typescript_sends_per_s: m.sendReference,
    twilio_send_ratio: m.send / m.sendReference,
    twilio_template_callbacks_per_s: m.callback,
    twilio_typescript_callbacks_per_s: m.callbackReference,
    twilio_callback_ratio: m.callback / m.callbackReference,
  };
}

import { readFileSync } from "node:fs";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import {
  AddressSchema,
  ContentSchema,
  MessageSchema,
  type Address,
  type Message,
} from "@hermes/runtime/contracts";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import { channelName, channelNames, channelOf, type ChannelName } from "../output/names.js";

/** What `hermes send` was given on its command line. */
export interface SendInput {
  readonly channel?: ChannelName;
  readonly to?: string;
  readonly from?: string;
  readonly body?: string;
  readonly subject?: string;
  readonly html?: string;
  readonly metadata?: readonly string[];
  readonly idempotencyKey?: string;
  readonly priority?: number;
  /** A JSON message (hermes.v1.Message in proto JSON, or {"message": …}); "-" reads stdin. */
  readonly file?: string;
}

/** Which Address field a recipient of each channel goes into. */
const addressKind: Readonly<Record<ChannelName, Address["kind"]["case"] & string>> = {
  sms: "phone",
  email: "email",
  push: "deviceToken",
  chat: "chatId",
  webhook: "url",
};

const recipientHelp: Readonly<Record<ChannelName, string>> = {
  sms: "an E.164 phone number, e.g. +447700900123",
  email: "a mailbox, e.g. ann@example.com",
  push: "a device registration token",
  chat: "a chat user id",
  webhook: "an http(s) URL",
};

/**
 * Builds the message to send: the file (if any) first, then the flags on top,
 * so a template file plus `--to` sends one message per recipient. Mistakes
 * the gateway would reject anyway but that are plainly command-line mistakes
 * (no channel, no recipient, no content) are reported here as usage errors.
 */
export function buildMessage(
  input: SendInput,
  readStdin: () => string = () => readFileSync(0, "utf8"),
): Message {
  const message = input.file ? readMessageFile(input.file, readStdin) : create(MessageSchema);
  if (input.channel) message.channel = channelOf(input.channel);
  const channel = channelName(message.channel) as ChannelName;
  if (!channelNames.includes(channel)) {
    throw usage(
      'no channel: pass --channel (sms, email, push, chat or webhook) or set "channel" in --file',
      "channel",
    );
  }
  if (input.to !== undefined) message.to = address(channel, input.to);
  if (input.from !== undefined) message.from = address(channel, input.from);
  if (!message.to?.kind.case)
    throw usage(`no recipient: pass --to with ${recipientHelp[channel]}`, "to");

  message.content ??= create(ContentSchema);
  const content = message.content;
  if (input.body !== undefined) content.text = readValue(input.body);
  if (input.html !== undefined) content.html = readValue(input.html);
  if (input.subject !== undefined) content.subject = input.subject;
  if (!content.text && !content.html && !content.template) {
    throw usage("no content: pass --body (or --html for email), or set content in --file", "body");
  }
  for (const pair of input.metadata ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usage(`--metadata takes key=value, got "${pair}"`, "metadata");
    message.metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (input.idempotencyKey !== undefined) message.idempotencyKey = input.idempotencyKey;
  if (input.priority !== undefined) message.priority = input.priority;
  return message;
}

function address(channel: ChannelName, value: string): Address {
  return create(AddressSchema, { kind: { case: addressKind[channel], value } as Address["kind"] });
}

/** `@path` reads the value from a file, as curl does; `@@…` is a literal `@…`. */
function readValue(value: string): string {
  if (value.startsWith("@@")) return value.slice(1);
  if (value.startsWith("@")) return readFileSync(value.slice(1), "utf8");
  return value;
}

function readMessageFile(path: string, readStdin: () => string): Message {
  const text = path === "-" ? readStdin() : readFileSync(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw usage(`${path} is not valid JSON: ${(cause as Error).message}`, "file");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw usage(`${path} must hold a JSON object (a hermes.v1.Message)`, "file");
  const raw = "message" in json ? (json as { message: unknown }).message : json;
  try {
    return fromJson(MessageSchema, friendlyChannel(raw) as JsonValue);
  } catch (cause) {
    throw usage(`${path} is not a hermes.v1.Message: ${(cause as Error).message}`, "file");
  }
}

/** Lets files say "channel": "sms" as well as the proto name "CHANNEL_SMS". */
function friendlyChannel(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null) return raw;
  const channel = (raw as { channel?: unknown }).channel;
  if (typeof channel === "string" && channelNames.includes(channel as ChannelName))
    return { ...raw, channel: `CHANNEL_${channel.toUpperCase()}` };
  return raw;
}

function usage(message: string, field: string): Failure {
  return new Failure(ExitCode.Usage, message, { reason: "usage", field });
}

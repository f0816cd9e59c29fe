import { create } from "@bufbuild/protobuf";
import { Args, Flags } from "@oclif/core";
import { type Address, AddressSchema, SuppressionReason } from "@hermes/runtime/contracts";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import type { ChannelName } from "../output/names.js";

/** Address kinds as `--kind` takes them. */
export const addressKinds = ["phone", "email", "device-token", "chat-id"] as const;
export type AddressKindName = (typeof addressKinds)[number];

/** The address `hermes suppress add` and `remove` act on. */
export const addressArg = Args.string({
  description: "A phone number (E.164), email address, device token or chat id.",
  required: true,
});

/** `--kind`: what the address is; `fallback` says how it is told otherwise. */
export function kindFlag(fallback = "else from --channel, else guessed") {
  return Flags.option({
    options: addressKinds,
    description: `What the address is (${fallback}).`,
  })();
}

/** Reasons as `--reason` takes them. */
export const reasonNames = ["manual", "opt-out", "hard-bounce", "complaint"] as const;
export type ReasonName = (typeof reasonNames)[number];

const kindOf: Readonly<Record<AddressKindName, NonNullable<Address["kind"]["case"]>>> = {
  phone: "phone",
  email: "email",
  "device-token": "deviceToken",
  "chat-id": "chatId",
};

const kindOfChannel: Readonly<Partial<Record<ChannelName, AddressKindName>>> = {
  sms: "phone",
  email: "email",
  push: "device-token",
  chat: "chat-id",
};

/**
 * The address a `hermes suppress` command is about: of the kind `--kind`
 * names, else the one `--channel` sends to, else what it looks like (a
 * phone number, or a mailbox); anything else needs --kind.
 */
export function suppressionAddress(
  text: string,
  kind?: AddressKindName,
  channel?: ChannelName,
): Address {
  const guessed =
    kind ??
    (channel && kindOfChannel[channel]) ??
    (/^\+?[0-9][0-9 ().-]{5,}$/.test(text) ? "phone" : text.includes("@") ? "email" : undefined);
  if (!guessed)
    throw new Failure(
      ExitCode.Usage,
      `cannot tell what kind of address "${text}" is: pass --kind (${addressKinds.join(", ")})`,
      { reason: "usage", field: "address" },
    );
  return create(AddressSchema, { kind: { case: kindOf[guessed], value: text } });
}

export function reasonOf(name: ReasonName): SuppressionReason {
  return SuppressionReason[name.toUpperCase().replace("-", "_") as keyof typeof SuppressionReason];
}

export function reasonName(reason: SuppressionReason): string {
  return (SuppressionReason[reason] ?? String(reason)).toLowerCase().replace("_", "-");
}

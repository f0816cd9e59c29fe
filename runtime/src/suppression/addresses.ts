import type { Address } from "../gen/hermes/v1/message_pb.js";

/** The kinds of address a suppression list holds (hermes.v1.Address's cases but url). */
export type SuppressibleKind = "phone" | "email" | "deviceToken" | "chatId";

/**
 * An address as a suppression list keys it, so that every spelling of one
 * recipient meets one entry: a phone number as "+" and its digits (spaces,
 * dashes and dots dropped; "00" or no prefix read as international, as SMSC
 * MO senders often come), a chat id that is a phone number (WhatsApp's wa_id)
 * as that number, an email as its lower-cased mailbox without display name,
 * a device token or other chat id as it is. Undefined for what no list
 * holds (a webhook URL, an empty or unreadable address).
 */
export function suppressionKey(address: Address | undefined): string | undefined {
  const value = address?.kind.value;
  if (!value) return undefined;
  switch (address.kind.case) {
    case "phone":
      return phoneKey(value);
    case "chatId":
      return phoneKey(value) ?? value;
    case "email":
      return emailKey(value);
    case "deviceToken":
      return value;
    default:
      return undefined;
  }
}

function phoneKey(value: string): string | undefined {
  if (/^\+[1-9][0-9]{6,14}$/.test(value)) return value; // the usual case costs no new string
  const digits = value.replace(/[\s().-]/g, "");
  const match = /^(?:\+|00)?([1-9][0-9]{6,14})$/.exec(digits);
  return match ? `+${match[1]}` : undefined;
}

function emailKey(value: string): string | undefined {
  const open = value.lastIndexOf("<");
  const mailbox = (open >= 0 ? value.slice(open + 1, value.lastIndexOf(">")) : value).trim();
  return mailbox.includes("@") ? mailbox.toLowerCase() : undefined;
}

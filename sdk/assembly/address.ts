// Reading a recipient or sender: the text of the kind a provider takes, ""
// for any other kind or none, so one length check refuses both.
import { Address, Address_KindCase } from "./gen/hermes/v1/message_pb";

/** The address as text, whatever its kind; "" for none. */
export function addressText(address: Address | null): string {
  if (address === null) return "";
  switch (address.kindCase) {
    case Address_KindCase.PHONE:
      return address.phone;
    case Address_KindCase.EMAIL:
      return address.email;
    case Address_KindCase.DEVICE_TOKEN:
      return address.deviceToken;
    case Address_KindCase.CHAT_ID:
      return address.chatId;
    case Address_KindCase.URL:
      return address.url;
    default:
      return "";
  }
}

/** The address as text when it is of `kind` (e.g. Address_KindCase.PHONE), else "". */
export function addressOf(address: Address | null, kind: Address_KindCase): string {
  return address !== null && address.kindCase == kind ? addressText(address) : "";
}

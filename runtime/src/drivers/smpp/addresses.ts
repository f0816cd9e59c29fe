import { create } from "@bufbuild/protobuf";
import { AddressSchema, type Address } from "../../gen/hermes/v1/message_pb.js";

/** An SMPP address: type of number, numbering plan, digits or text. */
export interface SmppAddress {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

export const ton = {
  unknown: 0,
  international: 1,
  national: 2,
  networkSpecific: 3,
  alphanumeric: 5,
} as const;
export const npi = { unknown: 0, isdn: 1 } as const;

/**
 * The sender as carriers expect it: "+4477..." is international E.164
 * (TON 1, NPI 1, without the plus), a short code of up to 8 digits is
 * network specific (TON 3, NPI 0), anything with letters is alphanumeric
 * (TON 5, NPI 0). A carrier's sourceTon/sourceNpi override the guess.
 */
export function sourceAddress(
  value: string,
  overrides: { ton?: number; npi?: number },
): SmppAddress {
  let guess: SmppAddress;
  if (value === "") guess = { ton: ton.unknown, npi: npi.unknown, addr: "" };
  else if (/^\+[0-9]+$/.test(value))
    guess = { ton: ton.international, npi: npi.isdn, addr: value.slice(1) };
  else if (/^[0-9]{1,8}$/.test(value))
    guess = { ton: ton.networkSpecific, npi: npi.unknown, addr: value };
  else if (/^[0-9]+$/.test(value)) guess = { ton: ton.international, npi: npi.isdn, addr: value };
  else guess = { ton: ton.alphanumeric, npi: npi.unknown, addr: value };
  return { ton: overrides.ton ?? guess.ton, npi: overrides.npi ?? guess.npi, addr: guess.addr };
}

/**
 * An address the SMSC gave us (MO sender or recipient) as a Hermes address: international numbers
 * get their plus back.
 */
export function toHermesAddress(addr: string, addrTon: number): Address {
  const phone = addrTon === ton.international && /^[0-9]+$/.test(addr) ? `+${addr}` : addr;
  return create(AddressSchema, { kind: { case: "phone", value: phone } });
}

/**
 * validity_period in SMPP's absolute format, UTC: YYMMDDhhmmss000+ (tenths 0, offset 00 quarter
 * hours).
 */
export function absoluteTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    "000+"
  );
}

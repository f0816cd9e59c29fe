import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type Address, AddressSchema } from "../gen/hermes/v1/message_pb.js";
import { suppressionKey } from "./addresses.js";

const address = (kind: NonNullable<Address["kind"]["case"]>, value: string) =>
  create(AddressSchema, { kind: { case: kind, value } } as Parameters<
    typeof create<typeof AddressSchema>
  >[1]);

test("every spelling of a phone number meets one key; a WhatsApp id that is a number too", () => {
  for (const spelling of [
    "+447700900123",
    "447700900123",
    "00447700900123",
    "+44 7700 900-123",
    "+44 (7700) 900.123",
  ])
    assert.equal(suppressionKey(address("phone", spelling)), "+447700900123", spelling);
  assert.equal(suppressionKey(address("chatId", "447700900123")), "+447700900123");
  assert.equal(suppressionKey(address("chatId", "team-room-7")), "team-room-7");
  assert.equal(
    suppressionKey(address("phone", "07700 900123")),
    undefined,
    "a national number is ambiguous",
  );
  assert.equal(suppressionKey(address("phone", "Hermes")), undefined);
});

test("an email is its lower-cased mailbox; a device token is itself; a URL is never suppressed", () => {
  assert.equal(
    suppressionKey(address("email", "Ann Example <Ann@Example.COM>")),
    "ann@example.com",
  );
  assert.equal(suppressionKey(address("email", " ann@example.com ")), "ann@example.com");
  assert.equal(suppressionKey(address("deviceToken", "fcm:AbC")), "fcm:AbC");
  assert.equal(suppressionKey(address("url", "https://example.com/hook")), undefined);
  assert.equal(suppressionKey(undefined), undefined);
  assert.equal(suppressionKey(address("email", "")), undefined);
});

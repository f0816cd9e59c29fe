import assert from "node:assert/strict";
import { test } from "node:test";
import { HermesError } from "../errors/hermes-error.js";
import { Channel } from "../gen/hermes/v1/message_pb.js";
import { parseConfig } from "./gateway-config.js";

test("tenants: quiet hours and cascade policies are read with their defaults", () => {
  const { tenants } = parseConfig({
    tenants: {
      acme: {
        quietHours: {
          start: "21:00",
          end: "08:00:30",
          channels: ["sms", "push"],
          timeZone: "Europe/Paris",
        },
        cascades: { notify: [{ channel: "chat", timeoutSeconds: 300 }, { channel: "email" }] },
      },
      globex: {},
    },
  });
  assert.deepEqual(tenants.acme?.quietHours, {
    start: 21 * 3600,
    end: 8 * 3600 + 30,
    channels: [Channel.SMS, Channel.PUSH],
    timeZone: "Europe/Paris",
  });
  assert.deepEqual(tenants.acme?.cascades, {
    notify: [
      { channel: Channel.CHAT, timeoutSeconds: 300 },
      { channel: Channel.EMAIL, timeoutSeconds: 0 },
    ],
  });
  assert.deepEqual(tenants.globex, { quietHours: undefined, cascades: {} });
  assert.deepEqual(parseConfig({}).tenants, {});
});

test("a bad tenant section names the field at fault", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [
      { quietHours: { start: "9pm", end: "08:00" } },
      /tenants\.acme\.quietHours\.start must be a local time/,
    ],
    [
      { quietHours: { start: "08:00", end: "08:00" } },
      /tenants\.acme\.quietHours\.end must differ/,
    ],
    [
      { quietHours: { start: "21:00", end: "08:00", timeZone: "Mars/Base" } },
      /tenants\.acme\.quietHours\.timeZone is not an IANA time zone/,
    ],
    [{ cascades: { notify: [] } }, /tenants\.acme\.cascades\.notify needs at least one step/],
    [
      { cascades: { notify: [{ channel: "fax" }] } },
      /tenants\.acme\.cascades\.notify\[0\]\.channel unknown channel/,
    ],
  ];
  for (const [acme, message] of cases)
    assert.throws(
      () => parseConfig({ tenants: { acme } }),
      (e: unknown) => e instanceof HermesError && message.test(e.message),
      String(message),
    );
});

test('quiet hours and cascades are refused on store.kind "nats", which cannot hold them yet', () => {
  const store = { kind: "nats", servers: ["nats://127.0.0.1:4222"] };
  assert.throws(
    () =>
      parseConfig({ store, tenants: { acme: { quietHours: { start: "21:00", end: "08:00" } } } }),
    /tenants\.acme\.quietHours is not supported with store\.kind "nats" yet/,
  );
  assert.throws(
    () => parseConfig({ store, tenants: { acme: { cascades: { n: [{ channel: "sms" }] } } } }),
    /tenants\.acme\.cascades are not supported with store\.kind "nats" yet/,
  );
  assert.equal(parseConfig({ store, tenants: { acme: {} } }).store.kind, "nats");
});

test("suppression keywords: English by default, languages added or replaced, clashes refused", () => {
  assert.deepEqual(parseConfig({}).suppression.keywords.en, {
    stop: ["STOP", "UNSUBSCRIBE"],
    stopAll: ["STOPALL"],
    start: ["START", "UNSTOP"],
  });
  const { keywords } = parseConfig({
    suppression: {
      keywords: {
        fr: { stop: ["ARRET", "STOP"], start: ["REPRISE"] },
        en: { stop: ["STOP"], start: ["START"] },
      },
    },
  }).suppression;
  assert.deepEqual(keywords.fr, { stop: ["ARRET", "STOP"], stopAll: [], start: ["REPRISE"] });
  assert.deepEqual(keywords.en, { stop: ["STOP"], stopAll: [], start: ["START"] });
  assert.throws(
    () => parseConfig({ suppression: { keywords: { de: { stop: ["START"] } } } }),
    /suppression\.keywords keyword "START" \(de\) is both start and stop/,
  );
  assert.throws(
    () => parseConfig({ suppression: { keywords: { de: { stop: [" "] } } } }),
    /suppression\.keywords\.de\.stop\[0\] must not be empty/,
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { Channel } from "../gen/hermes/v1/message_pb.js";
import { type QuietHours, quietUntil, secondsOfDay, wallClock } from "./quiet-hours.js";
import { isTimeZone, singleZoneCountries, zoneOfPhone } from "./time-zones.js";

const hours = (start: string, end: string): QuietHours => ({
  start: secondsOfDay(start)!,
  end: secondsOfDay(end)!,
  channels: [Channel.SMS],
});
const at = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

test("outside the window a message goes at once; inside, when the window closes", () => {
  const night = hours("21:00", "08:00");
  // Paris is UTC+1 in January.
  assert.equal(quietUntil(night, "Europe/Paris", at("2025-01-15T12:00:00Z")), undefined);
  assert.equal(quietUntil(night, "Europe/Paris", at("2025-01-15T19:59:59Z")), undefined);
  assert.equal(
    iso(quietUntil(night, "Europe/Paris", at("2025-01-15T20:00:00Z"))),
    "2025-01-16T07:00:00.000Z",
    "opens at 21:00 local, closes at 08:00 local the next day",
  );
  assert.equal(
    iso(quietUntil(night, "Europe/Paris", at("2025-01-16T05:30:12.345Z"))),
    "2025-01-16T07:00:00.000Z",
    "after midnight, the same morning",
  );
  assert.equal(quietUntil(night, "Europe/Paris", at("2025-01-16T07:00:00Z")), undefined);
});

test("a window within one day, and a zone half an hour off UTC", () => {
  const lunch = hours("12:00", "13:30:30");
  // Kolkata is UTC+5:30: 12:10 local is 06:40Z.
  assert.equal(
    iso(quietUntil(lunch, "Asia/Kolkata", at("2025-06-01T06:40:00Z"))),
    "2025-06-01T08:00:30.000Z",
  );
  assert.equal(quietUntil(lunch, "Asia/Kolkata", at("2025-06-01T08:00:30Z")), undefined);
  assert.equal(quietUntil(lunch, "Asia/Kolkata", at("2025-06-01T06:29:59Z")), undefined);
});

test("the window keeps wall-clock times across daylight saving changes", () => {
  const night = hours("21:00", "08:00");
  // London springs forward on 2025-03-30 at 01:00Z: 08:00 local is then 07:00Z.
  assert.equal(
    iso(quietUntil(night, "Europe/London", at("2025-03-29T22:00:00Z"))),
    "2025-03-30T07:00:00.000Z",
  );
  // It falls back on 2025-10-26 at 01:00Z: 08:00 local is then 08:00Z.
  assert.equal(
    iso(quietUntil(night, "Europe/London", at("2025-10-25T21:00:00Z"))),
    "2025-10-26T08:00:00.000Z",
  );
  // A close at 01:30 local falls in the skipped hour: the window ends when the clocks jump.
  assert.equal(
    iso(quietUntil(hours("21:00", "01:30"), "Europe/London", at("2025-03-29T23:00:00Z"))),
    "2025-03-30T01:00:00.000Z",
  );
  // On the night the clocks go back, 01:30 comes twice: the first one closes it.
  assert.equal(
    iso(quietUntil(hours("21:00", "01:30"), "Europe/London", at("2025-10-25T22:00:00Z"))),
    "2025-10-26T00:30:00.000Z",
  );
});

test("wall clock and times of day", () => {
  assert.deepEqual(wallClock("Asia/Tokyo", at("2025-01-01T15:00:00.900Z")), {
    seconds: 0,
    offset: 9 * 3_600_000,
  });
  assert.equal(secondsOfDay("08:00"), 8 * 3600);
  assert.equal(secondsOfDay("23:59:59"), 86_399);
  for (const bad of ["24:00", "8:00", "08:60", "08:00:60", "noon", ""])
    assert.equal(secondsOfDay(bad), undefined, bad);
});

test("a number's country gives its zone only where the country has one", () => {
  assert.equal(zoneOfPhone("+447700900123"), "Europe/London");
  assert.equal(zoneOfPhone("+33612345678"), "Europe/Paris");
  assert.equal(zoneOfPhone("+353871234567"), "Europe/Dublin");
  assert.equal(zoneOfPhone("+97142345678"), "Asia/Dubai");
  assert.equal(zoneOfPhone("+15550100"), undefined, "+1 spans many zones");
  assert.equal(zoneOfPhone("+79161234567"), undefined, "+7 spans many zones");
  assert.equal(zoneOfPhone("+34612345678"), undefined, "Spain has the Canaries");
  assert.equal(zoneOfPhone("447700900123"), undefined, "not E.164");
  for (const [code, zone] of Object.entries(singleZoneCountries))
    assert.ok(isTimeZone(zone), `+${code} ${zone}`);
  assert.equal(isTimeZone("Mars/Olympus_Mons"), false);
});

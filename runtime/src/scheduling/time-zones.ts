/**
 * Country calling codes whose country keeps one time zone, with that zone:
 * a phone number under one of them tells its recipient's local time. Codes
 * of countries with several zones (+1, +7, +55, +61, +52, +62, +34 with the
 * Canaries, +351 with the Azores...) are left out, so their numbers need an
 * explicit time_zone. E.164 country codes are prefix-free, so a number
 * matches at most one. docs/cascades.md lists them.
 */
export const singleZoneCountries: Readonly<Record<string, string>> = {
  "20": "Africa/Cairo",
  "27": "Africa/Johannesburg",
  "30": "Europe/Athens",
  "31": "Europe/Amsterdam",
  "32": "Europe/Brussels",
  "33": "Europe/Paris",
  "36": "Europe/Budapest",
  "39": "Europe/Rome",
  "40": "Europe/Bucharest",
  "41": "Europe/Zurich",
  "43": "Europe/Vienna",
  "44": "Europe/London",
  "45": "Europe/Copenhagen",
  "46": "Europe/Stockholm",
  "47": "Europe/Oslo",
  "48": "Europe/Warsaw",
  "49": "Europe/Berlin",
  "51": "America/Lima",
  "54": "America/Argentina/Buenos_Aires",
  "57": "America/Bogota",
  "58": "America/Caracas",
  "60": "Asia/Kuala_Lumpur",
  "63": "Asia/Manila",
  "65": "Asia/Singapore",
  "66": "Asia/Bangkok",
  "81": "Asia/Tokyo",
  "82": "Asia/Seoul",
  "84": "Asia/Ho_Chi_Minh",
  "86": "Asia/Shanghai",
  "90": "Europe/Istanbul",
  "91": "Asia/Kolkata",
  "92": "Asia/Karachi",
  "94": "Asia/Colombo",
  "212": "Africa/Casablanca",
  "216": "Africa/Tunis",
  "233": "Africa/Accra",
  "234": "Africa/Lagos",
  "254": "Africa/Nairobi",
  "352": "Europe/Luxembourg",
  "353": "Europe/Dublin",
  "354": "Atlantic/Reykjavik",
  "356": "Europe/Malta",
  "357": "Asia/Nicosia",
  "358": "Europe/Helsinki",
  "359": "Europe/Sofia",
  "370": "Europe/Vilnius",
  "371": "Europe/Riga",
  "372": "Europe/Tallinn",
  "380": "Europe/Kyiv",
  "385": "Europe/Zagreb",
  "386": "Europe/Ljubljana",
  "420": "Europe/Prague",
  "421": "Europe/Bratislava",
  "502": "America/Guatemala",
  "506": "America/Costa_Rica",
  "507": "America/Panama",
  "598": "America/Montevideo",
  "852": "Asia/Hong_Kong",
  "880": "Asia/Dhaka",
  "886": "Asia/Taipei",
  "966": "Asia/Riyadh",
  "971": "Asia/Dubai",
  "972": "Asia/Jerusalem",
  "974": "Asia/Qatar",
  "977": "Asia/Kathmandu",
};

/** The time zone of an E.164 number's country, when that country has one. */
export function zoneOfPhone(e164: string): string | undefined {
  if (!e164.startsWith("+")) return undefined;
  for (let digits = 1; digits <= 3; digits++) {
    const zone = singleZoneCountries[e164.slice(1, 1 + digits)];
    if (zone) return zone;
  }
  return undefined;
}

/** Zones found valid: asking ICU builds a formatter, which costs far more than a lookup. */
const known = new Set<string>();

/** Whether `zone` is an IANA time zone this runtime's ICU knows. */
export function isTimeZone(zone: string): boolean {
  if (known.has(zone)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    return false;
  }
  known.add(zone);
  return true;
}

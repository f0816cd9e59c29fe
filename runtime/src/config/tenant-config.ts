import type { Channel } from "../gen/hermes/v1/message_pb.js";
import type { QuietHours } from "../scheduling/quiet-hours.js";
import { secondsOfDay } from "../scheduling/quiet-hours.js";
import { isTimeZone } from "../scheduling/time-zones.js";
import { configReaders, type InvalidConfig } from "./config-readers.js";

/** A step of a cascade policy: the channel, and how long it may take (docs/cascades.md). */
export interface CascadeStepConfig {
  readonly channel: Channel;
  /** Move on when not DELIVERED this long after the step was due; 0: wait for its outcome. */
  readonly timeoutSeconds: number;
}

/** What a tenant configures for its own messages: quiet hours and named cascades. */
export interface TenantConfig {
  readonly quietHours?: QuietHours;
  /** Cascade policies by name, which a Send names in `cascade.policy`. */
  readonly cascades: Readonly<Record<string, readonly CascadeStepConfig[]>>;
}

/**
 * Reads `tenants` (`{ "<tenant>": { quietHours, cascades } }`), naming the
 * field at fault. `parseChannel` reads a channel name as routes do.
 */
export function parseTenants(
  raw: unknown,
  invalid: InvalidConfig,
  parseChannel: (value: unknown, at: string) => Channel,
): Readonly<Record<string, TenantConfig>> {
  const { object, array, string, integer } = configReaders(invalid);
  const tenants: Record<string, TenantConfig> = {};
  for (const [tenant, value] of Object.entries(object(raw, "tenants"))) {
    const at = `tenants.${tenant}`;
    const section = object(value, at);
    const quiet =
      section.quietHours === undefined ? undefined : object(section.quietHours, `${at}.quietHours`);
    const cascades: Record<string, readonly CascadeStepConfig[]> = {};
    for (const [name, steps] of Object.entries(object(section.cascades, `${at}.cascades`))) {
      const where = `${at}.cascades.${name}`;
      const parsed = array(steps, where).map((step, i) => {
        const item = object(step, `${where}[${i}]`);
        return {
          channel: parseChannel(item.channel, `${where}[${i}].channel`),
          timeoutSeconds: integer(item.timeoutSeconds, `${where}[${i}].timeoutSeconds`, 0) ?? 0,
        };
      });
      if (parsed.length === 0) throw invalid(where, "needs at least one step");
      cascades[name] = parsed;
    }
    tenants[tenant] = {
      quietHours: quiet && parseQuietHours(quiet, `${at}.quietHours`),
      cascades,
    };
  }
  return tenants;

  function parseQuietHours(quiet: Record<string, unknown>, at: string): QuietHours {
    const time = (name: "start" | "end") => {
      const text = string(quiet[name], `${at}.${name}`);
      const seconds = text === undefined ? undefined : secondsOfDay(text);
      if (seconds === undefined)
        throw invalid(`${at}.${name}`, 'must be a local time "HH:MM" (or "HH:MM:SS")');
      return seconds;
    };
    const start = time("start");
    const end = time("end");
    if (start === end) throw invalid(`${at}.end`, "must differ from start");
    const timeZone = string(quiet.timeZone, `${at}.timeZone`);
    if (timeZone !== undefined && !isTimeZone(timeZone))
      throw invalid(`${at}.timeZone`, `is not an IANA time zone: ${timeZone}`);
    const channels = array(quiet.channels, `${at}.channels`).map((c, i) =>
      parseChannel(c, `${at}.channels[${i}]`),
    );
    return { start, end, channels, timeZone };
  }
}

import type { HermesError } from "../errors/hermes-error.js";

/** Builds the error for a config value at a path, e.g. `routes.sms.retry`. */
export type InvalidConfig = (at: string, reason: string) => HermesError;

/**
 * Typed readers for untyped config (a JSON file, a route's `config`). Each
 * takes the value and its path; an absent value reads as absent (or empty),
 * a value of the wrong type throws the caller's CONFIG_INVALID error naming
 * the path, so every config section reports faults the same way.
 */
export function configReaders(invalid: InvalidConfig) {
  return {
    object(value: unknown, at: string): Record<string, unknown> {
      if (value === undefined) return {};
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw invalid(at, "must be an object");
      return value as Record<string, unknown>;
    },
    array(value: unknown, at: string): unknown[] {
      if (value === undefined) return [];
      if (!Array.isArray(value)) throw invalid(at, "must be an array");
      return value;
    },
    string(value: unknown, at: string): string | undefined {
      if (value === undefined) return undefined;
      if (typeof value !== "string") throw invalid(at, "must be a string");
      return value;
    },
    boolean(value: unknown, at: string): boolean | undefined {
      if (value === undefined) return undefined;
      if (typeof value !== "boolean") throw invalid(at, "must be true or false");
      return value;
    },
    integer(
      value: unknown,
      at: string,
      min: number,
      max = Number.MAX_SAFE_INTEGER,
    ): number | undefined {
      if (value === undefined) return undefined;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw invalid(at, `must be an integer from ${min} to ${max}`);
      }
      return value;
    },
    oneOf<T extends string>(value: unknown, at: string, allowed: readonly T[]): T | undefined {
      if (value === undefined) return undefined;
      if (!allowed.includes(value as T)) throw invalid(at, `must be one of ${allowed.join(", ")}`);
      return value as T;
    },
  };
}

// Route configuration helpers: declaring settings in the manifest, reading
// them with defaults, and reporting what is wrong with them.
import {
  ConfigField,
  ConfigProblem,
  ConfigureResponse,
  HealthResponse,
} from "./gen/hermes/plugin/v1/plugin_pb";

/**
 * What else a manifest entry says about its setting; pass an object literal
 * naming only what differs: `{ required: true, secret: true }`.
 */
export class ConfigFieldOptions {
  /** The host refuses a route that leaves it unset or empty (CONFIG_INVALID). */
  required: bool = false;
  /** Never logged or returned by the API. */
  secret: bool = false;
  /** What the host passes when the route leaves it unset. */
  defaultValue: string = "";
}

/** A manifest entry describing one setting. */
export function configField(
  name: string,
  description: string,
  options: ConfigFieldOptions = {},
): ConfigField {
  const field = new ConfigField();
  field.name = name;
  field.description = description;
  field.required = options.required;
  field.secret = options.secret;
  field.defaultValue = options.defaultValue;
  return field;
}

/** The setting `name`, or `fallback` when it is unset or empty. */
export function setting(config: Map<string, string>, name: string, fallback: string = ""): string {
  if (!config.has(name)) return fallback;
  const value = config.get(name);
  return value.length > 0 ? value : fallback;
}

/** One thing wrong with a configuration. */
export function configProblem(field: string, reason: string): ConfigProblem {
  const problem = new ConfigProblem();
  problem.field = field;
  problem.reason = reason;
  return problem;
}

/** A configure answer listing each of `required` that `config` lacks or leaves empty. */
export function requireConfig(
  config: Map<string, string>,
  required: Array<string>,
): ConfigureResponse {
  const response = new ConfigureResponse();
  for (let i = 0; i < required.length; i++) {
    const name = unchecked(required[i]);
    if (setting(config, name).length == 0) response.problems.push(configProblem(name, "required"));
  }
  return response;
}

/**
 * Adds a problem to `response` when the setting `name` is set but is not an absolute http(s) URL;
 * returns `response`.
 */
export function checkHttpUrl(
  response: ConfigureResponse,
  config: Map<string, string>,
  name: string,
  fallback: string = "",
): ConfigureResponse {
  const url = setting(config, name, fallback);
  if (url.length > 0 && !url.startsWith("https://") && !url.startsWith("http://"))
    response.problems.push(configProblem(name, "must be an absolute http(s) URL"));
  return response;
}

/**
 * Healthy with `detail` when every one of `required` is set; otherwise not, saying which are
 * required.
 */
export function requireHealth(
  config: Map<string, string>,
  required: Array<string>,
  detail: string,
): HealthResponse {
  const response = new HealthResponse();
  response.ok = true;
  for (let i = 0; i < required.length; i++) {
    if (setting(config, unchecked(required[i])).length == 0) response.ok = false;
  }
  response.detail = response.ok
    ? detail
    : required.join(" and ") + (required.length == 1 ? " is required" : " are required");
  return response;
}

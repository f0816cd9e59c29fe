// Callback tokens: providers that do not sign their delivery reports post
// them to a URL each message names. The plugin adds a secret token to that
// URL and accepts a report only when it comes back with the token, compared
// in constant time.
import { ConfigureResponse, ParseWebhookResponse } from "./gen/hermes/plugin/v1/plugin_pb";
import { configProblem, setting } from "./config";
import { constantTimeEqual, utf8 } from "./encoding";
import { refuseWebhook } from "./results";
import { formEncode, parseForm, urlQuery } from "./url";

/** Shorter tokens are refused by `checkCallbackToken`: they can be guessed. */
export const MIN_CALLBACK_TOKEN_LENGTH = 16;

/** `url` with `token=<token>` added to its query. */
export function callbackUrl(url: string, token: string): string {
  return url + (url.includes("?") ? "&" : "?") + "token=" + formEncode(token);
}

/**
 * A refusal for a webhook whose URL lacks the token (401) or carries another (403); null when it
 * matches.
 */
export function refuseCallbackToken(
  requestUrl: string,
  expected: string,
): ParseWebhookResponse | null {
  const query = parseForm(urlQuery(requestUrl));
  const given = query.has("token") ? query.get("token") : "";
  if (given.length == 0) return refuseWebhook(401, "no token in the callback URL");
  if (!constantTimeEqual(utf8(given), utf8(expected)))
    return refuseWebhook(403, "the callback token does not match");
  return null;
}

/**
 * Adds a problem to `response` when the token setting `name` is set but too short to be secret;
 * returns `response`.
 */
export function checkCallbackToken(
  response: ConfigureResponse,
  config: Map<string, string>,
  name: string,
): ConfigureResponse {
  const token = setting(config, name);
  if (token.length > 0 && token.length < MIN_CALLBACK_TOKEN_LENGTH) {
    response.problems.push(
      configProblem(
        name,
        "must be at least " + MIN_CALLBACK_TOKEN_LENGTH.toString() + " characters",
      ),
    );
  }
  return response;
}

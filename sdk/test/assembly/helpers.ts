// Test module for the author helpers (sdk/test/helpers.test.ts): input is a
// one-byte operation then its UTF-8 argument; output is the result, or the
// error text with return value 1.
import { endCall, inputBytes, outputBytes, writeError } from "@hermes/sdk/assembly/abi/io";
import {
  base64,
  base64url,
  constantTimeEqual,
  fromBase64,
  fromHex,
  fromUtf8,
  hex,
  utf8,
} from "@hermes/sdk/assembly/encoding";
import {
  Form,
  formDecode,
  formEncode,
  parseFormFields,
  percentDecode,
  percentEncode,
  urlQuery,
  urlWithoutQuery,
} from "@hermes/sdk/assembly/url";
import { JsonParser, JsonWriter, jsonString } from "@hermes/sdk/assembly/json";
import { configGet, crypto, kv, log, metrics, nowMs } from "@hermes/sdk/assembly/host";
import {
  HashAlgorithm,
  SignatureAlgorithm,
} from "@hermes/sdk/assembly/gen/hermes/plugin/v1/host_pb";
import {
  ConfigureResponse,
  HttpHeader,
  HttpResponse,
  ParseWebhookResponse,
} from "@hermes/sdk/assembly/gen/hermes/plugin/v1/plugin_pb";
import {
  Address,
  Address_KindCase,
  DeliveryEvent,
  DeliveryEventKind,
  MessageStatus,
} from "@hermes/sdk/assembly/gen/hermes/v1/message_pb";
import { addressOf, addressText } from "@hermes/sdk/assembly/address";
import { Error$, ErrorCode } from "@hermes/sdk/assembly/gen/hermes/v1/error_pb";
import {
  callbackUrl,
  checkCallbackToken,
  refuseCallbackToken,
} from "@hermes/sdk/assembly/callback";
import { checkHttpUrl, requireHealth, setting } from "@hermes/sdk/assembly/config";
import {
  acceptWebhook,
  failedEvent,
  failedFromHttp,
  isSuccess,
  noticeEvent,
} from "@hermes/sdk/assembly/results";

function text(s: string): i32 {
  outputBytes(utf8(s));
  return endCall(0);
}

function bytes(b: Uint8Array): i32 {
  outputBytes(b);
  return endCall(0);
}

function refusal(reply: ParseWebhookResponse | null): string {
  return reply === null ? "accepted" : reply.replyStatus.toString() + " " + reply.error;
}

function errorText(error: Error$ | null): string {
  if (error === null) return "no error";
  return (
    error.code.toString() +
    " " +
    error.message +
    " " +
    error.providerCode +
    " " +
    (error.retryable ? "retryable" : "final") +
    " " +
    error.retryAfterMs.toString()
  );
}

function eventText(event: DeliveryEvent): string {
  return (
    event.providerMessageId +
    " " +
    event.kind.toString() +
    " " +
    event.status.toString() +
    " " +
    errorText(event.error)
  );
}

function httpResponse(status: u32, retryAfter: string): HttpResponse {
  const response = new HttpResponse();
  response.status = status;
  if (retryAfter.length > 0) {
    const h = new HttpHeader();
    h.name = "Retry-After";
    h.value = retryAfter;
    response.headers.push(h);
  }
  return response;
}

/** A config from lines of name=value. */
function configOf(s: string): Map<string, string> {
  const config = new Map<string, string>();
  const lines = s.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const eq = lines[i].indexOf("=");
    if (eq > 0) config.set(lines[i].substring(0, eq), lines[i].substring(eq + 1));
  }
  return config;
}

function fail(message: string): i32 {
  writeError(message);
  return endCall(1);
}

export function run(): i32 {
  const input = inputBytes();
  if (input.length == 0) return fail("empty input");
  const op = input[0];
  const arg = input.subarray(1);
  const s = fromUtf8(arg);
  switch (op) {
    case 0:
      return text(base64(arg));
    case 1:
      return text(base64url(arg));
    case 2: {
      const decoded = fromBase64(s);
      return decoded === null ? fail("not base64") : bytes(decoded);
    }
    case 3:
      return text(hex(arg));
    case 4: {
      const decoded = fromHex(s);
      return decoded === null ? fail("not hex") : bytes(decoded);
    }
    case 5:
      return text(percentEncode(s));
    case 6:
      return text(formEncode(s));
    case 7:
      return text(formDecode(s));
    case 8: {
      // name NUL value NUL, per field.
      const fields = parseFormFields(s);
      const parts = new Array<string>();
      for (let i = 0; i < fields.length; i++)
        parts.push(fields[i].name + "\0" + fields[i].value + "\0");
      return text(parts.join(""));
    }
    case 9:
      return text(jsonString(s));
    case 10: {
      const parser = new JsonParser();
      const value = parser.parse(s);
      return value === null ? fail(parser.error!) : text(value.toString());
    }
    case 11: {
      // The integer value of a JSON number, or "none".
      const value = new JsonParser().parse(s);
      if (value === null) return fail("invalid");
      const n = value.asInteger(0);
      return text(n == 0 && value.text != "0" && value.text != "-0" ? "none" : n.toString());
    }
    case 12: {
      const w = new JsonWriter();
      w.beginObject()
        .key("to")
        .string(s)
        .key("n")
        .integer(-9007199254740993)
        .key("f")
        .number(0.5)
        .key("big")
        .number(1e300)
        .key("whole")
        .number(42)
        .key("nan")
        .number(NaN)
        .key("ok")
        .bool(true)
        .key("none")
        .nullValue()
        .key("list")
        .beginArray()
        .string("a")
        .beginObject()
        .endObject()
        .beginArray()
        .endArray()
        .integer(1)
        .endArray()
        .endObject();
      return text(w.toString());
    }
    case 13: {
      const form = new Form().add("To", "+44 7700 900123").add("Body", s).add("empty", "");
      return text(
        form.toString() +
          "\n" +
          urlQuery("/webhooks/r?" + form.toString() + "#frag") +
          "\n" +
          urlWithoutQuery("https://h/p?q#f"),
      );
    }
    case 14: {
      // Every host service once; the host side records what it saw.
      const fields = new Map<string, string>();
      fields.set("k", "v");
      log.info("hello " + s, fields);
      metrics.counter("sent_total", 2);
      const got = configGet("token");
      const missing = configGet("absent");
      kv.setString("key", s, 60);
      const stored = kv.getString("key");
      kv.remove("key");
      const gone = kv.get("key");
      const parts = [
        got === null ? "null" : got!,
        missing === null ? "null" : missing!,
        stored === null ? "null" : stored!,
        gone === null ? "null" : "present",
        nowMs().toString(),
        hex(crypto.hash(HashAlgorithm.SHA256, arg)),
        hex(crypto.hmac(HashAlgorithm.SHA1, "secret", arg)),
        base64url(crypto.signRs256("pem", arg)),
      ];
      return text(parts.join("|"));
    }
    case 15: {
      // A host service that fails: the wrapper throws, the call traps with the text.
      kv.get("denied");
      return text("unreachable");
    }
    case 16:
      // The argument is a signature over "payload".
      return text(
        crypto.verify(SignatureAlgorithm.ECDSA_P256_SHA256, "publicKey", utf8("payload"), arg)
          ? "valid"
          : "invalid",
      );
    case 17: {
      // "a|b": whether the two halves are equal.
      const bar = s.indexOf("|");
      return text(
        constantTimeEqual(utf8(s.substring(0, bar)), utf8(s.substring(bar + 1)))
          ? "equal"
          : "different",
      );
    }
    case 18: {
      // The argument is a token: the callback URL carrying it, then how three webhooks fare against
      // it.
      const url = callbackUrl("https://hermes.example.com/webhooks/r?a=1", s);
      return text(
        [
          url,
          callbackUrl("https://hermes.example.com/webhooks/r", s),
          refusal(refuseCallbackToken(url, s)),
          refusal(refuseCallbackToken("/webhooks/r?a=1", s)),
          refusal(refuseCallbackToken(callbackUrl("/webhooks/r", s + "x"), s)),
        ].join("\n"),
      );
    }
    case 19: {
      // Configure checks on the config of the argument; the problems found.
      const config = configOf(s);
      const response = checkCallbackToken(
        checkHttpUrl(
          checkHttpUrl(new ConfigureResponse(), config, "url"),
          config,
          "other",
          "ftp://fallback",
        ),
        config,
        "token",
      );
      const parts = new Array<string>();
      for (let i = 0; i < response.problems.length; i++)
        parts.push(response.problems[i].field + ": " + response.problems[i].reason);
      return text(parts.join("\n"));
    }
    case 20: {
      // Provider answers and webhook events, one line each.
      const transport = new HttpResponse();
      const lost = new Error$();
      lost.code = ErrorCode.TIMEOUT;
      lost.message = "no answer";
      lost.retryable = true;
      transport.transportError = lost;
      const ok = httpResponse(202, "");
      const accepted = acceptWebhook();
      return text(
        [
          (isSuccess(ok) ? "ok" : "not ok") +
            " " +
            (isSuccess(httpResponse(300, "")) ? "ok" : "not ok") +
            " " +
            (isSuccess(transport) ? "ok" : "not ok"),
          errorText(failedFromHttp(httpResponse(429, "7"), "slow down", "E429").error),
          errorText(failedFromHttp(httpResponse(400, ""), "", "").error),
          errorText(failedFromHttp(transport, "ignored", "ignored").error),
          eventText(failedEvent("p-1", ErrorCode.INVALID_RECIPIENT, "no such number", "21211")),
          eventText(
            failedEvent("p-2", ErrorCode.EXPIRED, "too late", "EXPIRED", MessageStatus.EXPIRED),
          ),
          eventText(noticeEvent("p-3", DeliveryEventKind.ENGAGEMENT)),
          accepted.replyStatus.toString() +
            " " +
            accepted.events.length.toString() +
            " [" +
            accepted.error +
            "]",
        ].join("\n"),
      );
    }
    case 21: {
      // Health on the config of the argument: with one required setting, then two.
      const config = configOf(s);
      const one = requireHealth(config, ["url"], "sends to " + setting(config, "url"));
      const two = requireHealth(config, ["url", "key"], "all set");
      return text(
        (one.ok ? "ok " : "not ok ") +
          one.detail +
          "\n" +
          (two.ok ? "ok " : "not ok ") +
          two.detail,
      );
    }
    case 22: {
      // The argument as a phone, then as an email: what addressText and addressOf make of each.
      const phone = new Address().setPhone(s);
      const email = new Address().setEmail(s);
      return text(
        [
          addressText(phone),
          addressText(email),
          addressText(null),
          addressOf(phone, Address_KindCase.PHONE),
          addressOf(phone, Address_KindCase.EMAIL),
          addressOf(email, Address_KindCase.EMAIL),
          addressOf(null, Address_KindCase.PHONE),
        ].join("|"),
      );
    }
    case 23:
      return text(percentDecode(s));
    default:
      return fail("unknown op " + op.toString());
  }
}

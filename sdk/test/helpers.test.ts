// The author helpers (encodings, URL and form, JSON, host-service wrappers)
// inside a real .wasm, checked against Node's own implementations on the
// same inputs, Unicode and edge cases included.
import assert from "node:assert/strict";
import { createHash, createHmac, generateKeyPairSync, sign, verify } from "node:crypto";
import { before, describe, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ClockResponseSchema,
  ConfigGetRequestSchema,
  ConfigGetResponseSchema,
  HashRequestSchema,
  HashResponseSchema,
  HmacRequestSchema,
  HmacResponseSchema,
  KvDeleteRequestSchema,
  KvGetRequestSchema,
  KvGetResponseSchema,
  KvSetRequestSchema,
  LogLevel,
  LogRequestSchema,
  MetricKind,
  MetricRequestSchema,
  SignatureAlgorithm,
  SignRs256RequestSchema,
  SignRs256ResponseSchema,
  VerifySignatureRequestSchema,
  VerifySignatureResponseSchema,
} from "@hermes/runtime/contracts/plugin";
import { ErrorCode, DeliveryEventKind, MessageStatus } from "@hermes/runtime/contracts";
import { compile } from "../builder/compile.js";
import { Guest, type GuestResult, type HostServices } from "../builder/guest.js";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const empty = new Uint8Array(0);
const samples = [
  "",
  "a",
  "ab",
  "abc",
  "hello world",
  "héllo 世界",
  "😀 𝄞",
  "a+b=c&d/e?f#g",
  "~!*'();:@&=+$,/?#[]",
  '\u0000\t\n"\\',
  "%zz%4",
  "x".repeat(1000),
];
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

const seen: Record<string, unknown[]> = { log: [], metric: [] };
const store = new Map<string, Uint8Array>();
const services: HostServices = {
  hermes_log: (req) => {
    seen.log.push(fromBinary(LogRequestSchema, req));
    return empty;
  },
  hermes_metric: (req) => {
    seen.metric.push(fromBinary(MetricRequestSchema, req));
    return empty;
  },
  hermes_config_get: (req) => {
    const { key } = fromBinary(ConfigGetRequestSchema, req);
    const value = ({ token: "tok-✓" } as Record<string, string>)[key];
    return toBinary(
      ConfigGetResponseSchema,
      create(ConfigGetResponseSchema, { found: value !== undefined, value: value ?? "" }),
    );
  },
  hermes_kv_get: (req) => {
    const { key } = fromBinary(KvGetRequestSchema, req);
    if (key === "denied") throw new Error("capability CAPABILITY_KV is not declared");
    const value = store.get(key);
    return toBinary(
      KvGetResponseSchema,
      create(KvGetResponseSchema, { found: value !== undefined, value }),
    );
  },
  hermes_kv_set: (req) => {
    const { key, value, ttlSeconds } = fromBinary(KvSetRequestSchema, req);
    assert.equal(ttlSeconds, 60);
    store.set(key, value);
    return empty;
  },
  hermes_kv_delete: (req) => {
    store.delete(fromBinary(KvDeleteRequestSchema, req).key);
    return empty;
  },
  hermes_clock: () =>
    toBinary(ClockResponseSchema, create(ClockResponseSchema, { unixMs: 1764158400123n })),
  hermes_crypto_hash: (req) => {
    const { data } = fromBinary(HashRequestSchema, req);
    return toBinary(
      HashResponseSchema,
      create(HashResponseSchema, { digest: createHash("sha256").update(data).digest() }),
    );
  },
  hermes_crypto_hmac: (req) => {
    const { keyConfig, data } = fromBinary(HmacRequestSchema, req);
    return toBinary(
      HmacResponseSchema,
      create(HmacResponseSchema, { mac: createHmac("sha1", keyConfig).update(data).digest() }),
    );
  },
  hermes_crypto_sign_rs256: (req) => {
    const { data } = fromBinary(SignRs256RequestSchema, req);
    return toBinary(
      SignRs256ResponseSchema,
      create(SignRs256ResponseSchema, { signature: sign("sha256", data, pem) }),
    );
  },
  hermes_crypto_verify: (req) => {
    const { algorithm, keyConfig, data, signature } = fromBinary(VerifySignatureRequestSchema, req);
    assert.deepEqual([algorithm, keyConfig], [SignatureAlgorithm.ECDSA_P256_SHA256, "publicKey"]);
    return toBinary(
      VerifySignatureResponseSchema,
      create(VerifySignatureResponseSchema, {
        valid: verify("sha256", data, ec.publicKey, signature),
      }),
    );
  },
};

let guest: Guest;
before(async () => {
  guest = await Guest.load(
    await compile({ entry: new URL("assembly/helpers.ts", import.meta.url).pathname }),
    services,
  );
});

function run(op: number, arg: Uint8Array | string): GuestResult {
  const bytes = typeof arg === "string" ? utf8.encode(arg) : arg;
  return guest.call("run", Uint8Array.from([op, ...bytes]));
}
function ok(op: number, arg: Uint8Array | string): Uint8Array {
  const result = run(op, arg);
  assert.ok(result.ok, result.ok ? "" : result.error);
  return result.output;
}
const okText = (op: number, arg: Uint8Array | string): string => fromUtf8.decode(ok(op, arg));

describe("encodings", () => {
  const byteSamples = [
    empty,
    Uint8Array.of(0),
    Uint8Array.of(0xff, 0xfe),
    Uint8Array.of(1, 2, 3),
    ...samples.map((s) => utf8.encode(s)),
  ];
  test("base64 and base64url match Buffer, and decode back", () => {
    for (const b of byteSamples) {
      const standard = Buffer.from(b).toString("base64");
      assert.equal(okText(0, b), standard);
      assert.equal(okText(1, b), Buffer.from(b).toString("base64url"));
      assert.deepEqual(ok(2, standard), b);
      assert.deepEqual(ok(2, Buffer.from(b).toString("base64url")), b);
    }
    for (const bad of ["a", "ab=c", "a===", "ab$d", "abc=="])
      assert.equal(run(2, bad).ok, false, bad);
  });

  test("constantTimeEqual compares contents and lengths", () => {
    const cases: Array<[string, string]> = [
      ["", "equal"],
      ["abc|abc", "equal"],
      ["abc|abd", "different"],
      ["abc|ab", "different"],
      ["|x", "different"],
    ];
    for (const [arg, expected] of cases)
      assert.equal(okText(17, arg.includes("|") ? arg : `${arg}|${arg}`), expected, arg);
  });

  test("hex matches Buffer, decodes either case, refuses non-hex", () => {
    for (const b of byteSamples) {
      assert.equal(okText(3, b), Buffer.from(b).toString("hex"));
      assert.deepEqual(ok(4, Buffer.from(b).toString("hex").toUpperCase()), b);
    }
    for (const bad of ["a", "zz", "0g"]) assert.equal(run(4, bad).ok, false, bad);
  });
});

describe("URL and form", () => {
  test("percentEncode is RFC 3986 over UTF-8; formEncode matches URLSearchParams", () => {
    for (const s of samples) {
      const rfc3986 = encodeURIComponent(s).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
      assert.equal(okText(5, s), rfc3986, s);
      assert.equal(okText(6, s), new URLSearchParams({ k: s }).toString().slice(2), s);
    }
  });

  test("form bodies parse like URLSearchParams, malformed escapes included; percentDecode keeps +", () => {
    const bodies = [
      "",
      "a=1&b=2",
      "a=1&a=2&&c",
      "To=%2B44+7700&Body=h%C3%A9llo+%F0%9F%98%80",
      "x=%zz%4&y=%",
      "=v&k=",
      "?q=1",
    ];
    for (const body of bodies) {
      const expected = [...new URLSearchParams(body)].map(([k, v]) => `${k}\0${v}\0`).join("");
      assert.equal(okText(8, body), expected, body);
    }
    assert.equal(okText(7, "a+b%20c%zz"), "a b c%zz");
    assert.equal(okText(23, "a+b%20c%zz"), "a+b c%zz");
  });

  test("Form builds a body URLSearchParams reads back; urlQuery and urlWithoutQuery", () => {
    const [body, query, bare] = okText(13, "héllo & 😀").split("\n");
    assert.deepEqual(
      [...new URLSearchParams(body)],
      [
        ["To", "+44 7700 900123"],
        ["Body", "héllo & 😀"],
        ["empty", ""],
      ],
    );
    assert.equal(query, body);
    assert.equal(bare, "https://h/p");
  });
});

describe("JSON", () => {
  test("jsonString escapes as JSON.stringify does", () => {
    // (Lone surrogates cannot reach the guest: its input is UTF-8.)
    for (const s of [...samples, "\u2028\u2029", "\u001f\u007f", "\ud83d\ude00"])
      assert.equal(okText(9, s), JSON.stringify(s), JSON.stringify(s));
  });

  test("parse then write reproduces JSON.stringify(JSON.parse(text)) for valid documents", () => {
    const docs = [
      "null",
      "true",
      " false ",
      "0",
      "-0",
      "1.5e+10",
      "-12.25E-3",
      '""',
      '"\\u00e9\\ud83d\\ude00\\n\\"\\/"',
      "[]",
      "{}",
      '[1,[2,[3,{"a":[]}]]]',
      '{"a":1,"b":{"c":[true,false,null]},"d":"😀"}',
      '\t{ "sp ace" :\r\n [ 1 , 2 ] }',
      '{"sid":"SM123","status":"queued","price":null,"num_segments":"1","error_code":null}',
    ];
    for (const doc of docs) assert.deepEqual(JSON.parse(okText(10, doc)), JSON.parse(doc), doc);
  });

  test("malformed JSON gives an error, never a trap", () => {
    const bad = [
      "",
      " ",
      "{",
      "[1,]",
      '{"a":}',
      '{"a" 1}',
      "{a:1}",
      "01",
      "1.",
      "-",
      "1e",
      "+1",
      '"abc',
      '"\\x"',
      '"\\u12"',
      '"\u0001"',
      "tru",
      "nul",
      "[1 2]",
      "{} {}",
      "[".repeat(200) + "]".repeat(200),
    ];
    for (const doc of bad) {
      const result = run(10, doc);
      assert.equal(result.ok, false, JSON.stringify(doc));
      if (!result.ok) assert.equal(result.trapped, false, result.error);
    }
    const deep = run(10, "[".repeat(200) + "]".repeat(200));
    assert.ok(!deep.ok && /nested deeper than 128/.test(deep.error));
  });

  test("integers are exact to 64 bits; fractions and overflow are not integers", () => {
    const cases: Array<[string, string]> = [
      ["0", "0"],
      ["-1", "-1"],
      ["9007199254740993", "9007199254740993"],
      ["9223372036854775807", "9223372036854775807"],
      ["-9223372036854775808", "-9223372036854775808"],
      ["9223372036854775808", "none"],
      ["-9223372036854775809", "none"],
      ["1.5", "none"],
      ["1e3", "none"],
      ['"7"', "none"],
    ];
    for (const [doc, expected] of cases) assert.equal(okText(11, doc), expected, doc);
  });

  test("JsonWriter places commas, escapes and writes numbers as JSON", () => {
    const s = 'quote " slash \\ 😀';
    assert.equal(
      okText(12, s),
      `{"to":${JSON.stringify(s)},"n":-9007199254740993,"f":0.5,"big":1e+300,"whole":42,"nan":null,"ok":true,"none":null,"list":["a",{},[],1]}`,
    );
  });
});

describe("host services", () => {
  test("each wrapper sends its request and decodes the reply", () => {
    const arg = "data ✓";
    const [token, missing, stored, gone, now, digest, mac, signature] = okText(14, arg).split("|");
    assert.equal(token, "tok-✓");
    assert.equal(missing, "null");
    assert.equal(stored, arg);
    assert.equal(gone, "null");
    assert.equal(now, "1764158400123");
    assert.equal(digest, createHash("sha256").update(arg).digest("hex"));
    assert.equal(mac, createHmac("sha1", "secret").update(arg).digest("hex"));
    assert.equal(signature, sign("sha256", utf8.encode(arg), pem).toString("base64url"));
    const log = seen.log.at(-1) as {
      level: LogLevel;
      message: string;
      fields: Record<string, string>;
    };
    assert.deepEqual(
      [log.level, log.message, log.fields],
      [LogLevel.INFO, `hello ${arg}`, { k: "v" }],
    );
    const metric = seen.metric.at(-1) as { name: string; kind: MetricKind; value: number };
    assert.deepEqual(
      [metric.name, metric.kind, metric.value],
      ["sent_total", MetricKind.COUNTER, 2],
    );
  });

  test("crypto.verify passes the signature and reads the verdict", () => {
    const signature = sign("sha256", utf8.encode("payload"), ec.privateKey);
    assert.equal(okText(16, signature), "valid");
    const tampered = Uint8Array.from(signature);
    tampered[tampered.length - 1] ^= 1;
    assert.equal(okText(16, tampered), "invalid");
  });

  test("a failing host service fails the call with the host's text", () => {
    const result = run(15, "");
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.trapped, true);
      assert.match(result.error, /^hermes_kv_get failed: capability CAPABILITY_KV is not declared/);
    }
  });
});

describe("provider plumbing", () => {
  test("callbackUrl adds the token to the query; refuseCallbackToken accepts only that token", () => {
    for (const token of ["e2e-token-0123456789abcdef", "a&b=c d+é✓"]) {
      const [withQuery, bare, right, missing, wrong] = okText(18, token).split("\n");
      assert.equal(new URL(withQuery).searchParams.get("a"), "1");
      assert.equal(new URL(withQuery).searchParams.get("token"), token);
      assert.equal(new URL(bare).searchParams.get("token"), token);
      assert.equal(right, "accepted");
      assert.equal(missing, "401 no token in the callback URL");
      assert.equal(wrong, "403 the callback token does not match");
    }
  });

  test("checkHttpUrl and checkCallbackToken name what is wrong, and only that", () => {
    assert.deepEqual(okText(19, "url=https://x\ntoken=0123456789abcdef").split("\n"), [
      "other: must be an absolute http(s) URL",
    ]);
    assert.deepEqual(okText(19, "url=api.example.com\nother=http://ok\ntoken=short").split("\n"), [
      "url: must be an absolute http(s) URL",
      "token: must be at least 16 characters",
    ]);
  });

  test("requireHealth is ok with every required setting, and names them when one is missing", () => {
    assert.deepEqual(okText(21, "url=https://x\nkey=k").split("\n"), [
      "ok sends to https://x",
      "ok all set",
    ]);
    assert.deepEqual(okText(21, "url=https://x").split("\n"), [
      "ok sends to https://x",
      "not ok url and key are required",
    ]);
    assert.deepEqual(okText(21, "key=k").split("\n"), [
      "not ok url is required",
      "not ok url and key are required",
    ]);
  });

  test("addressOf gives the address only when it is of the kind asked for", () => {
    assert.equal(
      okText(22, "+447700900123"),
      "+447700900123|+447700900123||+447700900123||+447700900123|",
    );
  });

  test("isSuccess, failedFromHttp with a provider code, failedEvent, noticeEvent, acceptWebhook", () => {
    const lines = okText(20, "").split("\n");
    assert.deepEqual(lines, [
      "ok not ok not ok",
      `${ErrorCode.THROTTLED} slow down E429 retryable 7000`,
      `${ErrorCode.PROVIDER_REJECTED} provider answered HTTP 400 400 final 0`,
      `${ErrorCode.TIMEOUT} no answer  retryable 0`,
      `p-1 ${DeliveryEventKind.STATUS} ${MessageStatus.FAILED} ${ErrorCode.INVALID_RECIPIENT} no such number 21211 final 0`,
      `p-2 ${DeliveryEventKind.STATUS} ${MessageStatus.EXPIRED} ${ErrorCode.EXPIRED} too late EXPIRED final 0`,
      `p-3 ${DeliveryEventKind.ENGAGEMENT} ${MessageStatus.UNSPECIFIED} no error`,
      "200 0 []",
    ]);
  });
});

// Typed wrappers for the host services of the ABI (docs/plugin-abi.md): each
// encodes its host.proto request, makes one host call and decodes the reply.
// A service that fails (an undeclared capability, a bad metric name, a missing
// key) is a plugin bug: the wrapper throws, so the call fails with the host's text.
import {
  ClockRequest,
  ClockResponse,
  ConfigGetRequest,
  ConfigGetResponse,
  HashAlgorithm,
  HashRequest,
  HashResponse,
  HmacRequest,
  HmacResponse,
  KvDeleteRequest,
  KvGetRequest,
  KvGetResponse,
  KvSetRequest,
  LogLevel,
  LogRequest,
  MetricKind,
  MetricRequest,
  SignRs256Request,
  SignRs256Response,
  SignatureAlgorithm,
  VerifySignatureRequest,
  VerifySignatureResponse,
} from "./gen/hermes/plugin/v1/host_pb";
import { Reader, Writer } from "./proto";

@external("extism:host/user", "hermes_result_read")
declare function hermes_result_read(dst: usize): void;
@external("extism:host/user", "hermes_log")
declare function hermes_log(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_metric")
declare function hermes_metric(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_config_get")
declare function hermes_config_get(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_kv_get")
declare function hermes_kv_get(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_kv_set")
declare function hermes_kv_set(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_kv_delete")
declare function hermes_kv_delete(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_clock")
declare function hermes_clock(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_crypto_hash")
declare function hermes_crypto_hash(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_crypto_hmac")
declare function hermes_crypto_hmac(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_crypto_sign_rs256")
declare function hermes_crypto_sign_rs256(ptr: usize, len: i32): i32;
@external("extism:host/user", "hermes_crypto_verify")
declare function hermes_crypto_verify(ptr: usize, len: i32): i32;

const requestBuffer = new Writer(256);

/** Encodes `message` into the shared request buffer. */
function encode<T>(message: T): Writer {
  requestBuffer.reset();
  message.encodeTo(requestBuffer);
  return requestBuffer;
}

/**
 * Fetches the pending result of a host call that returned `length`; throws with the host's text on
 * failure.
 */
function result(service: string, length: i32): Reader {
  const size = length < 0 ? -length : length;
  const buffer = new ArrayBuffer(size);
  if (size > 0) hermes_result_read(changetype<usize>(buffer));
  if (length < 0) throw new Error(service + " failed: " + String.UTF8.decode(buffer));
  return new Reader(changetype<usize>(buffer), size, buffer);
}

function decode<T>(service: string, reader: Reader, message: T): T {
  message.mergeFrom(reader);
  const error = reader.error;
  if (error !== null) throw new Error(service + ": malformed response from the host: " + error);
  return message;
}

function writeLog(level: LogLevel, message: string, fields: Map<string, string> | null): void {
  const request = new LogRequest();
  request.level = level;
  request.message = message;
  if (fields !== null) request.fields = fields;
  const w = encode(request);
  result("hermes_log", hermes_log(w.dataStart, w.length));
}

/** The gateway's structured log (messages over 1 KiB are cut, and the host rate-limits). */
export namespace log {
  export function debug(message: string, fields: Map<string, string> | null = null): void {
    writeLog(LogLevel.DEBUG, message, fields);
  }
  export function info(message: string, fields: Map<string, string> | null = null): void {
    writeLog(LogLevel.INFO, message, fields);
  }
  export function warn(message: string, fields: Map<string, string> | null = null): void {
    writeLog(LogLevel.WARN, message, fields);
  }
  export function error(message: string, fields: Map<string, string> | null = null): void {
    writeLog(LogLevel.ERROR, message, fields);
  }
}

function writeMetric(kind: MetricKind, name: string, value: f64, labels: Map<string, string> | null): void {
  const request = new MetricRequest();
  request.name = name;
  request.kind = kind;
  request.value = value;
  if (labels !== null) request.labels = labels;
  const w = encode(request);
  result("hermes_metric", hermes_metric(w.dataStart, w.length));
}

/**
 * Prometheus metrics, exported as hermes_plugin_<name>; names are [a-z_]{1,64}, at most 32 per
 * plugin.
 */
export namespace metrics {
  export function counter(name: string, value: f64 = 1, labels: Map<string, string> | null = null): void {
    writeMetric(MetricKind.COUNTER, name, value, labels);
  }
  export function gauge(name: string, value: f64, labels: Map<string, string> | null = null): void {
    writeMetric(MetricKind.GAUGE, name, value, labels);
  }
  export function histogram(name: string, value: f64, labels: Map<string, string> | null = null): void {
    writeMetric(MetricKind.HISTOGRAM, name, value, labels);
  }
}

/** One value of the route's configuration, or null when it is not set. */
export function configGet(key: string): string | null {
  const request = new ConfigGetRequest();
  request.key = key;
  const w = encode(request);
  const response = decode("hermes_config_get", result("hermes_config_get", hermes_config_get(w.dataStart, w.length)), new ConfigGetResponse());
  return response.found ? response.value : null;
}

/** The host's wall clock, in milliseconds since the Unix epoch. */
export function nowMs(): i64 {
  const w = encode(new ClockRequest());
  return decode("hermes_clock", result("hermes_clock", hermes_clock(w.dataStart, w.length)), new ClockResponse()).unixMs;
}

/**
 * The plugin's key/value store, scoped to the tenant of the message being handled (needs
 * CAPABILITY_KV).
 */
export namespace kv {
  export function get(key: string): Uint8Array | null {
    const request = new KvGetRequest();
    request.key = key;
    const w = encode(request);
    const response = decode("hermes_kv_get", result("hermes_kv_get", hermes_kv_get(w.dataStart, w.length)), new KvGetResponse());
    return response.found ? response.value : null;
  }

  export function getString(key: string): string | null {
    const value = get(key);
    return value === null ? null : String.UTF8.decodeUnsafe(value.dataStart, value.length);
  }

  /** Stores `value` under `key`; `ttlSeconds` 0 keeps it until deleted. */
  export function set(key: string, value: Uint8Array, ttlSeconds: u32 = 0): void {
    const request = new KvSetRequest();
    request.key = key;
    request.value = value;
    request.ttlSeconds = ttlSeconds;
    const w = encode(request);
    result("hermes_kv_set", hermes_kv_set(w.dataStart, w.length));
  }

  export function setString(key: string, value: string, ttlSeconds: u32 = 0): void {
    set(key, Uint8Array.wrap(String.UTF8.encode(value)), ttlSeconds);
  }

  export function remove(key: string): void {
    const request = new KvDeleteRequest();
    request.key = key;
    const w = encode(request);
    result("hermes_kv_delete", hermes_kv_delete(w.dataStart, w.length));
  }
}

/**
 * Digests, HMACs and RS256 signatures; keys stay in the host, named by a config key (needs
 * CAPABILITY_CRYPTO).
 */
export namespace crypto {
  export function hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
    const request = new HashRequest();
    request.algorithm = algorithm;
    request.data = data;
    const w = encode(request);
    return decode("hermes_crypto_hash", result("hermes_crypto_hash", hermes_crypto_hash(w.dataStart, w.length)), new HashResponse()).digest;
  }

  /** HMAC of `data` keyed by the secret in config key `keyConfig`. */
  export function hmac(algorithm: HashAlgorithm, keyConfig: string, data: Uint8Array): Uint8Array {
    const request = new HmacRequest();
    request.algorithm = algorithm;
    request.keyConfig = keyConfig;
    request.data = data;
    const w = encode(request);
    return decode("hermes_crypto_hmac", result("hermes_crypto_hmac", hermes_crypto_hmac(w.dataStart, w.length)), new HmacResponse()).mac;
  }

  /** RSASSA-PKCS1-v1_5 SHA-256 signature (JWT RS256) with the PEM key in config key `keyConfig`. */
  export function signRs256(keyConfig: string, data: Uint8Array): Uint8Array {
    const request = new SignRs256Request();
    request.keyConfig = keyConfig;
    request.data = data;
    const w = encode(request);
    return decode(
      "hermes_crypto_sign_rs256",
      result("hermes_crypto_sign_rs256", hermes_crypto_sign_rs256(w.dataStart, w.length)),
      new SignRs256Response(),
    ).signature;
  }

  /**
   * Whether `signature` over `data` verifies with the public key in config
   * key `keyConfig` (PEM or base64 DER SubjectPublicKeyInfo). A malformed
   * signature is false; a missing or unusable key throws.
   */
  export function verify(algorithm: SignatureAlgorithm, keyConfig: string, data: Uint8Array, signature: Uint8Array): bool {
    const request = new VerifySignatureRequest();
    request.algorithm = algorithm;
    request.keyConfig = keyConfig;
    request.data = data;
    request.signature = signature;
    const w = encode(request);
    return decode("hermes_crypto_verify", result("hermes_crypto_verify", hermes_crypto_verify(w.dataStart, w.length)), new VerifySignatureResponse()).valid;
  }
}

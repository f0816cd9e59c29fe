// The ABI v1 host functions of one plugin instance (docs/plugin-host.md):
// fast I/O straight into the guest's linear memory, and the host services.
// They run synchronously inside a call, on the worker thread.
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
} from "node:crypto";
import { decode, encode } from "./host-codec.mjs";

const capabilityKv = 2;
const capabilityCrypto = 3;
const hashNames = { 1: "sha1", 2: "sha256", 3: "sha512" };
const signatureEcdsaP256Sha256 = 1;
const metricName = /^[a-z_]{1,64}$/;
const maxLogMessage = 1024;
// Bounds on what one call may hand the host to keep in the worker's heap
// until its batch ends (a plugin logging in a loop must not exhaust it).
const maxRecordsPerCall = 100;
const maxFields = 32;
const maxFieldChars = 256;
const utf8 = new TextEncoder();
const empty = new Uint8Array(0);
const tooManyRecords = utf8.encode(
  `more than ${maxRecordsPerCall} log and metric records in one call; dropped`,
);

/** A limit the plugin broke: its call fails for good (retrying cannot help). */
export class LimitError extends Error {
  name = "LimitError";
}

/**
 * The per-call state the host functions read and write. `begin` resets it
 * for a new call; `output` is what the guest wrote with hermes_output_write.
 */
export class CallState {
  input = empty;
  output = undefined;
  tenant = "";
  /** Pending host-service response (or error text) for hermes_result_read. */
  result = empty;
  /** Log and metric records this call produced. */
  records = 0;

  begin(input, tenant) {
    this.input = input;
    this.output = undefined;
    this.tenant = tenant;
    this.result = empty;
    this.records = 0;
  }
}

/**
 * Builds the `extism:host/user` functions for one instance.
 * `plugin` = { name, route, config, capabilities: Set<number>, ioBytes };
 * `memory()` returns the instance's exported memory; `telemetry` collects
 * log and metric records for the main thread; `kv` is the pool's KvStore.
 */
export function hostFunctions(plugin, state, memory, telemetry, kv) {
  const view = (ptr, len) => {
    const buffer = memory().buffer;
    if (ptr < 0 || len < 0 || ptr + len > buffer.byteLength)
      throw new LimitError(
        `host call with bytes [${ptr}, ${ptr + len}) outside guest memory (${buffer.byteLength} bytes)`,
      );
    return new Uint8Array(buffer, ptr, len);
  };
  const requestBytes = (ptr, len) => {
    if (len > plugin.ioBytes)
      throw new LimitError(
        `host-service request of ${len} bytes exceeds the ${plugin.ioBytes}-byte limit`,
      );
    return view(ptr, len);
  };
  /** Runs a host service: its response or error text waits for hermes_result_read. */
  const service = (capability, handle) => (_context, ptr, len) => {
    const request = requestBytes(ptr, len);
    try {
      if (capability !== undefined && !plugin.capabilities.has(capability)) {
        throw new Error(
          `capability ${capability === capabilityKv ? "CAPABILITY_KV" : "CAPABILITY_CRYPTO"} is not declared in the manifest of ${plugin.name}`,
        );
      }
      state.result = handle(request);
      return state.result.length;
    } catch (reason) {
      state.result = utf8.encode(reason instanceof Error ? reason.message : String(reason));
      return -state.result.length;
    }
  };
  const secret = (keyConfig) => {
    const value = plugin.config[keyConfig];
    if (value === undefined || value === "")
      throw new Error(`config key "${keyConfig}" is not set`);
    return value;
  };
  /**
   * Counts a log or metric record; past the per-call bound the host service
   * is refused before anything is decoded, with a prepared error text and no
   * throw: a plugin logging in a loop costs the host next to nothing.
   */
  const recorded = (run) => (context, ptr, len) => {
    if (++state.records <= maxRecordsPerCall) return run(context, ptr, len);
    state.result = tooManyRecords;
    return -tooManyRecords.length;
  };
  const kvNamespace = () => `${plugin.name}\u0000${plugin.route}\u0000${state.tenant}`;
  const privateKeys = new Map();
  const publicKeys = new Map();

  return {
    hermes_input_length: () => state.input.length,
    hermes_input_read: (_context, dst) => view(dst, state.input.length).set(state.input),
    hermes_output_write: (_context, src, len) => {
      if (len > plugin.ioBytes)
        throw new LimitError(`output of ${len} bytes exceeds the ${plugin.ioBytes}-byte limit`);
      state.output = view(src, len).slice();
    },
    hermes_result_read: (_context, dst) => {
      view(dst, state.result.length).set(state.result);
      state.result = empty;
    },
    hermes_log: recorded(
      service(undefined, (request) => {
        const { level, message, fields } = decode.log(request);
        telemetry.log(plugin, level, truncate(message, maxLogMessage), bounded(fields));
        return encode.empty();
      }),
    ),
    hermes_metric: recorded(
      service(undefined, (request) => {
        const metric = decode.metric(request);
        if (Object.keys(metric.labels).length > maxFields)
          throw new Error(`metric ${metric.name}: more than ${maxFields} labels`);
        if (!metricName.test(metric.name))
          throw new Error(`metric name "${metric.name}" is not [a-z_]{1,64}`);
        if (metric.kind < 1 || metric.kind > 3)
          throw new Error(`metric ${metric.name}: unknown kind ${metric.kind}`);
        if (!Number.isFinite(metric.value))
          throw new Error(`metric ${metric.name}: value is not finite`);
        telemetry.metric(plugin, metric);
        return encode.empty();
      }),
    ),
    hermes_config_get: service(undefined, (request) => {
      const { key } = decode.key(request);
      const value = plugin.config[key];
      return encode.found(value !== undefined, value ?? "");
    }),
    hermes_kv_get: service(capabilityKv, (request) => {
      const value = kv.get(kvNamespace(), decode.key(request).key, Date.now());
      return encode.found(value !== undefined, value ?? empty);
    }),
    hermes_kv_set: service(capabilityKv, (request) => {
      const { key, value, ttlSeconds } = decode.kvSet(request);
      kv.set(kvNamespace(), key, value, ttlSeconds, Date.now());
      return encode.empty();
    }),
    hermes_kv_delete: service(capabilityKv, (request) => {
      kv.delete(kvNamespace(), decode.key(request).key);
      return encode.empty();
    }),
    hermes_clock: service(undefined, () => encode.clock(Date.now())),
    hermes_crypto_hash: service(capabilityCrypto, (request) => {
      const { algorithm, data } = decode.hash(request);
      return encode.bytes(createHash(hashName(algorithm)).update(data).digest());
    }),
    hermes_crypto_hmac: service(capabilityCrypto, (request) => {
      const { algorithm, keyConfig, data } = decode.hmac(request);
      return encode.bytes(createHmac(hashName(algorithm), secret(keyConfig)).update(data).digest());
    }),
    hermes_crypto_sign_rs256: service(capabilityCrypto, (request) => {
      const { keyConfig, data } = decode.signRs256(request);
      let key = privateKeys.get(keyConfig);
      if (!key) {
        try {
          key = createPrivateKey(secret(keyConfig));
        } catch (reason) {
          // Never echo the key material: name the config key only.
          throw new Error(
            reason instanceof Error && reason.message.includes("is not set")
              ? reason.message
              : `config key "${keyConfig}" is not a PEM private key`,
          );
        }
        privateKeys.set(keyConfig, key);
      }
      return encode.bytes(sign("sha256", data, key));
    }),
    hermes_crypto_verify: service(capabilityCrypto, (request) => {
      const { algorithm, keyConfig, data, signature } = decode.verifySignature(request);
      if (algorithm !== signatureEcdsaP256Sha256)
        throw new Error(`unknown signature algorithm ${algorithm}`);
      let key = publicKeys.get(keyConfig);
      if (!key) {
        key = ecPublicKey(secret(keyConfig), keyConfig);
        publicKeys.set(keyConfig, key);
      }
      let valid = false;
      try {
        valid = verify("sha256", data, { key, dsaEncoding: "der" }, signature);
      } catch {
        // A signature that does not even parse is just not valid.
      }
      return encode.valid(valid);
    }),
  };
}

/**
 * A P-256 public key from PEM or base64 DER SubjectPublicKeyInfo; the error names the config key
 * only.
 */
function ecPublicKey(text, keyConfig) {
  let key;
  try {
    key = text.includes("-----BEGIN")
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.trim(), "base64"), format: "der", type: "spki" });
  } catch {
    throw new Error(
      `config key "${keyConfig}" is not a public key (PEM, or base64 DER SubjectPublicKeyInfo)`,
    );
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error(`config key "${keyConfig}" is not a P-256 (prime256v1) EC public key`);
  }
  return key;
}

function truncate(text, chars) {
  return text.length > chars ? `${text.slice(0, chars)}…` : text;
}

/** At most maxFields fields, values truncated: log fields are context, not payload. */
function bounded(fields) {
  const out = {};
  for (const [key, value] of Object.entries(fields).slice(0, maxFields))
    out[truncate(key, maxFieldChars)] = truncate(value, maxFieldChars);
  return out;
}

function hashName(algorithm) {
  const name = hashNames[algorithm];
  if (!name) throw new Error(`unknown hash algorithm ${algorithm}`);
  return name;
}

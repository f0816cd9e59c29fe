// The wire form of the host-service messages (proto/hermes/plugin/v1/host.proto)
// as the worker thread needs them. Workers are plain ES modules, so they boot
// in ~50 ms without a TypeScript loader and without the generated descriptors
// (which cost ~150 ms more per worker start, paid again on every restart).
// Field numbers here must match host.proto; host-codec.test.ts checks every
// message against the generated schemas.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/** Reads a message, calling `fields[n](reader)` for each known field number; skips the rest. */
function read(bytes, fields) {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    const field = fields[no];
    if (field) field(reader);
    else reader.skip(wireType, no);
  }
}

/** Reads a map<string, string> entry into `into`. */
function mapEntry(into) {
  return (reader) => {
    const entry = { key: "", value: "" };
    read(reader.bytes(), {
      1: (r) => (entry.key = r.string()),
      2: (r) => (entry.value = r.string()),
    });
    into[entry.key] = entry.value;
  };
}

const empty = new Uint8Array(0);

export const decode = {
  log(bytes) {
    const m = { level: 0, message: "", fields: {} };
    read(bytes, {
      1: (r) => (m.level = r.int32()),
      2: (r) => (m.message = r.string()),
      3: mapEntry(m.fields),
    });
    return m;
  },
  metric(bytes) {
    const m = { name: "", kind: 0, value: 0, labels: {} };
    read(bytes, {
      1: (r) => (m.name = r.string()),
      2: (r) => (m.kind = r.int32()),
      3: (r) => (m.value = r.double()),
      4: mapEntry(m.labels),
    });
    return m;
  },
  /** ConfigGetRequest, KvGetRequest and KvDeleteRequest: just a key. */
  key(bytes) {
    const m = { key: "" };
    read(bytes, { 1: (r) => (m.key = r.string()) });
    return m;
  },
  kvSet(bytes) {
    const m = { key: "", value: empty, ttlSeconds: 0 };
    read(bytes, {
      1: (r) => (m.key = r.string()),
      2: (r) => (m.value = r.bytes()),
      3: (r) => (m.ttlSeconds = r.uint32()),
    });
    return m;
  },
  hash(bytes) {
    const m = { algorithm: 0, data: empty };
    read(bytes, { 1: (r) => (m.algorithm = r.int32()), 2: (r) => (m.data = r.bytes()) });
    return m;
  },
  hmac(bytes) {
    const m = { algorithm: 0, keyConfig: "", data: empty };
    read(bytes, {
      1: (r) => (m.algorithm = r.int32()),
      2: (r) => (m.keyConfig = r.string()),
      3: (r) => (m.data = r.bytes()),
    });
    return m;
  },
  signRs256(bytes) {
    const m = { keyConfig: "", data: empty };
    read(bytes, { 1: (r) => (m.keyConfig = r.string()), 2: (r) => (m.data = r.bytes()) });
    return m;
  },
  verifySignature(bytes) {
    const m = { algorithm: 0, keyConfig: "", data: empty, signature: empty };
    read(bytes, {
      1: (r) => (m.algorithm = r.int32()),
      2: (r) => (m.keyConfig = r.string()),
      3: (r) => (m.data = r.bytes()),
      4: (r) => (m.signature = r.bytes()),
    });
    return m;
  },
};

export const encode = {
  /** LogResponse, MetricResponse, KvSetResponse, KvDeleteResponse. */
  empty() {
    return empty;
  },
  /** ConfigGetResponse (string value) and KvGetResponse (bytes value). */
  found(found, value) {
    const w = new BinaryWriter();
    if (!found) return empty;
    w.tag(1, WireType.Varint).bool(true);
    if (typeof value === "string") {
      if (value) w.tag(2, WireType.LengthDelimited).string(value);
    } else if (value.length) w.tag(2, WireType.LengthDelimited).bytes(value);
    return w.finish();
  },
  clock(unixMs) {
    return new BinaryWriter().tag(1, WireType.Varint).int64(unixMs).finish();
  },
  /** VerifySignatureResponse. */
  valid(valid) {
    return valid ? new BinaryWriter().tag(1, WireType.Varint).bool(true).finish() : empty;
  },
  /** HashResponse, HmacResponse, SignRs256Response: one bytes field. */
  bytes(value) {
    return new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(value).finish();
  },
};

import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { AbiVersion, ManifestSchema } from "@hermes/runtime/contracts/plugin";
import { Channel } from "@hermes/runtime/contracts";

/**
 * Hand-assembled WebAssembly modules for the registry tests: a valid module
 * exporting `describe() -> i32` (returns `result`) and its memory, optionally
 * with a `hermes.manifest` custom section. Small, real, compiled by V8, and
 * accepted by the plugin host's publish-time checks (it cannot serve a route:
 * it lacks the other ABI exports).
 */

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function vec(bytes: number[]): number[] {
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...vec(body)];
}

export function customSection(name: string, data: Uint8Array): Uint8Array {
  const nameBytes = vec([...new TextEncoder().encode(name)]);
  return Buffer.concat([
    Uint8Array.of(0, ...leb(nameBytes.length + data.length), ...nameBytes),
    data,
  ]);
}

export type ManifestInit = MessageInitShape<typeof ManifestSchema>;

export function manifestBytes(init: ManifestInit = {}): Uint8Array {
  return toBinary(
    ManifestSchema,
    create(ManifestSchema, {
      name: "acme-sms",
      version: "1.0.0",
      abiVersion: AbiVersion.V1,
      channels: [Channel.SMS],
      ...init,
    }),
  );
}

export interface ModuleOptions {
  /** The manifest to embed; `null` for none. */
  readonly manifest?: ManifestInit | null;
  /** What describe() returns: lets tests build distinct bytes for one version. */
  readonly result?: number;
  /** A function import the module needs, e.g. ["wasi_snapshot_preview1", "proc_exit"]. */
  readonly importFunction?: readonly [string, string];
  /** Extra custom sections appended at the end. */
  readonly extra?: ReadonlyArray<readonly [string, Uint8Array]>;
}

export function wasmModule(options: ModuleOptions = {}): Uint8Array {
  const name = utf8("describe");
  const memory = utf8("memory");
  const bytes = [
    ...header,
    ...section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]), // one type: () -> i32
    ...(options.importFunction
      ? section(2, [
          0x01,
          ...vec(utf8(options.importFunction[0])),
          ...vec(utf8(options.importFunction[1])),
          0x00,
          0x00,
        ])
      : []), // import a () -> i32
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(5, [0x01, 0x00, 0x01]), // one memory, at least 1 page (the host wants it exported)
    ...section(7, [
      0x02,
      ...vec(name),
      0x00,
      options.importFunction ? 0x01 : 0x00,
      ...vec(memory),
      0x02,
      0x00,
    ]), // export "describe" (our function), "memory"
    ...section(10, [0x01, ...vec([0x00, 0x41, ...sleb(options.result ?? 0), 0x0b])]), // i32.const result; end
  ];
  const custom =
    options.manifest === null
      ? []
      : [customSection("hermes.manifest", manifestBytes(options.manifest ?? {}))];
  for (const [extraName, data] of options.extra ?? []) custom.push(customSection(extraName, data));
  return new Uint8Array(Buffer.concat([Uint8Array.from(bytes), ...custom]));
}

function utf8(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

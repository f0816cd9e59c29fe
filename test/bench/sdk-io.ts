// The Hermes SDK's plugin I/O against Extism's AssemblyScript PDK, in one run:
// - an echo plugin built with our SDK (one host call copies the input into
//   guest memory, one takes the output) against the same echo built with
//   @extism/as-pdk (Extism's kernel memory, 8 bytes per host call), both in
//   @extism/extism 2.0.0-rc13 foreground mode, 1 KiB and 16 KiB payloads;
//   ours is invoked the way the gateway's host does (the export directly)
//   and, for a like-for-like figure, through plugin.call as as-pdk must be;
// - decoding and re-encoding a realistic PrepareSendRequest inside the guest
//   (generated AssemblyScript) against protobuf-es doing the same in Node.
// Each side runs five times, interleaved; the median counts.
import { createPlugin, type CallContext, type Plugin } from "@extism/extism";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { PrepareSendRequestSchema } from "@hermes/runtime/contracts/plugin";
import { compile } from "../../sdk/builder/compile.js";
import { messageTypes, samplePrepareSendRequest } from "../../sdk/test/support/vectors.js";
import { median } from "./_measure.js";

const rounds = 5;
const here = (path: string): string => new URL(path, import.meta.url).pathname;

interface GuestMemory {
  readonly buffer: ArrayBuffer;
}

/**
 * An Extism plugin with the ABI's fast I/O host functions, called like the gateway's host calls it.
 */
class FastIoPlugin {
  input: Uint8Array = new Uint8Array(0);
  output: Uint8Array = new Uint8Array(0);
  memory: GuestMemory | undefined;
  exports: Record<string, unknown> = {};

  constructor(readonly plugin: Plugin) {}

  static async create(wasm: Uint8Array): Promise<FastIoPlugin> {
    let self: FastIoPlugin | undefined;
    const view = (ptr: number, len: number) => new Uint8Array(self!.memory!.buffer, ptr, len);
    const plugin = await createPlugin(
      { wasm: [{ data: wasm }] },
      {
        useWasi: false,
        runInWorker: false,
        functions: {
          "extism:host/user": {
            hermes_input_length: () => self!.input.length,
            hermes_input_read: (_: CallContext, dst: number) =>
              view(dst, self!.input.length).set(self!.input),
            hermes_output_write: (_: CallContext, src: number, len: number) => {
              self!.output = view(src, len).slice();
            },
          },
        },
      },
    );
    self = new FastIoPlugin(plugin);
    const instance = (await plugin.getInstance()) as unknown as {
      exports: Record<string, unknown>;
    };
    self.exports = instance.exports;
    self.memory = instance.exports.memory as GuestMemory;
    return self;
  }

  /** Through Extism's plugin.call, paying its per-call bookkeeping (and its unused input copy). */
  async callViaExtism(fn: string, input: Uint8Array): Promise<Uint8Array> {
    this.input = input;
    await this.plugin.call(fn, input);
    return this.output;
  }

  call(fn: string, input: Uint8Array): Uint8Array {
    this.input = input;
    const rc = (this.exports[fn] as () => number)();
    if (rc !== 0) throw new Error(`${fn} returned ${rc}: ${new TextDecoder().decode(this.output)}`);
    return this.output;
  }
}

async function timed(run: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export default async function sdkIo(): Promise<Record<string, number>> {
  const [ours, pdk, vectors] = await Promise.all([
    compile({ entry: here("assembly/sdk-echo.ts") }),
    compile({
      entry: here("assembly/as-pdk-echo.ts"),
      sdkFlags: false,
      ascArgs: ["--use", "abort=test/bench/assembly/as-pdk-echo/pdkAbort"],
    }),
    compile({ entry: here("../../sdk/test/assembly/vectors.ts") }),
  ]);
  const sdkEcho = await FastIoPlugin.create(ours);
  const pdkEcho = await createPlugin(
    { wasm: [{ data: pdk }] },
    { useWasi: false, runInWorker: false },
  );
  const codec = await FastIoPlugin.create(vectors);

  const metrics: Record<string, number> = {};
  for (const [label, size, calls] of [
    ["1k", 1024, 10_000],
    ["16k", 16 * 1024, 1_000],
  ] as const) {
    const payload = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
    // Both must really echo before anything is timed.
    if (!Buffer.from(sdkEcho.call("echo", payload)).equals(payload))
      throw new Error("the SDK echo does not echo");
    if (!Buffer.from((await pdkEcho.call("echo", payload))!.bytes()).equals(payload))
      throw new Error("the as-pdk echo does not echo");
    if (!Buffer.from(await sdkEcho.callViaExtism("echo", payload)).equals(payload))
      throw new Error("the SDK echo does not echo via plugin.call");
    const oursTimes: number[] = [];
    const oursViaExtismTimes: number[] = [];
    const pdkTimes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      oursTimes.push(
        await timed(() => {
          for (let i = 0; i < calls; i++) sdkEcho.call("echo", payload);
        }),
      );
      oursViaExtismTimes.push(
        await timed(async () => {
          for (let i = 0; i < calls; i++) await sdkEcho.callViaExtism("echo", payload);
        }),
      );
      pdkTimes.push(
        await timed(async () => {
          for (let i = 0; i < calls; i++) await pdkEcho.call("echo", payload);
        }),
      );
    }
    metrics[`echo_${label}_vs_as_pdk_ratio`] = median(pdkTimes) / median(oursTimes);
    metrics[`echo_${label}_via_plugin_call_vs_as_pdk_ratio`] =
      median(pdkTimes) / median(oursViaExtismTimes);
    metrics[`echo_${label}_calls_per_s`] = calls / median(oursTimes);
    metrics[`echo_${label}_as_pdk_calls_per_s`] = calls / median(pdkTimes);
  }

  const request = toBinary(PrepareSendRequestSchema, samplePrepareSendRequest);
  const input = Uint8Array.from([messageTypes.indexOf(PrepareSendRequestSchema), ...request]);
  if (!Buffer.from(codec.call("roundtrip", input)).equals(request))
    throw new Error("the guest does not re-encode the request byte for byte");
  const codecCalls = 5_000;
  const guestTimes: number[] = [];
  const esTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    guestTimes.push(
      await timed(() => {
        for (let i = 0; i < codecCalls; i++) codec.call("roundtrip", input);
      }),
    );
    esTimes.push(
      await timed(() => {
        for (let i = 0; i < codecCalls; i++)
          toBinary(PrepareSendRequestSchema, fromBinary(PrepareSendRequestSchema, request));
      }),
    );
  }
  metrics.prepare_send_bytes = request.length;
  metrics.prepare_send_decode_encode_per_s = codecCalls / median(guestTimes);
  metrics.prepare_send_decode_encode_mb_per_s =
    (codecCalls * request.length) / median(guestTimes) / 1e6;
  metrics.prepare_send_decode_encode_vs_protobuf_es_ratio = median(esTimes) / median(guestTimes);
  await Promise.all([sdkEcho.plugin.close(), pdkEcho.close(), codec.plugin.close()]);
  return metrics;
}

// A minimal in-process host for SDK plugins: the ABI's fast I/O and host
// services over plain WebAssembly, without Extism. The build uses it to ask a
// freshly compiled plugin for its manifest; tests use it to drive plugins.
// The gateway's real host is runtime/src/plugin-host.
import {
  hostFunctions,
  userNamespace,
  isWasmModule,
  wasm,
  type WasmExports,
  type WasmMemory,
  type WasmModule,
} from "@hermes/runtime/plugin-host";

/**
 * A host service: takes the encoded request, returns the encoded response or throws (the guest sees
 * the error text).
 */
export type HostService = (request: Uint8Array) => Uint8Array;

/**
 * Host services by import name (`hermes_log`, `hermes_kv_get`, …); missing ones fail with a clear
 * text.
 */
export type HostServices = Partial<Record<HostServiceName, HostService>>;

const fastIo = [
  "hermes_input_length",
  "hermes_input_read",
  "hermes_output_write",
  "hermes_result_read",
] as const;

/**
 * Host service names (`hermes_log`, `hermes_kv_get`, …): the host's list without the fast I/O
 * functions.
 */
export type HostServiceName = Exclude<(typeof hostFunctions)[number], (typeof fastIo)[number]>;
export const hostServiceNames: readonly HostServiceName[] = hostFunctions.filter(
  (name): name is HostServiceName => !(fastIo as readonly string[]).includes(name),
);

export type GuestResult =
  | { ok: true; output: Uint8Array }
  /** `trapped`: the instance trapped (its abort text, if any, is `error`). */
  | { ok: false; error: string; trapped: boolean };

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const empty = new Uint8Array(0);

export class Guest {
  readonly #exports: WasmExports;
  readonly #call: CallState;

  private constructor(exports: WasmExports, call: CallState) {
    this.#exports = exports;
    this.#call = call;
  }

  static async load(code: Uint8Array | WasmModule, services: HostServices = {}): Promise<Guest> {
    const module = isWasmModule(code) ? code : await wasm.compile(code);
    const call = new CallState();
    let memory: WasmMemory | undefined;
    const view = (ptr: number, len: number): Uint8Array => new Uint8Array(memory!.buffer, ptr, len);
    const user: Record<string, ((...args: number[]) => number) | ((...args: number[]) => void)> = {
      hermes_input_length: () => call.input.length,
      hermes_input_read: (dst) => view(dst, call.input.length).set(call.input),
      hermes_output_write: (src, len) => {
        call.output = view(src, len).slice();
      },
      hermes_result_read: (dst) => view(dst, call.result.length).set(call.result),
    };
    for (const name of hostServiceNames) {
      user[name] = (ptr, len) => {
        const service = services[name];
        try {
          if (!service) throw new Error(`host service ${name} is not available here`);
          call.result = service(view(ptr, len).slice());
          return call.result.length;
        } catch (reason) {
          call.result = utf8.encode(reason instanceof Error ? reason.message : String(reason));
          return -call.result.length;
        }
      };
    }
    const instance = await wasm.instantiate(module, { [userNamespace]: user });
    memory = instance.exports.memory as WasmMemory;
    return new Guest(instance.exports, call);
  }

  /** Calls export `fn` with `input`, as a host would. */
  call(fn: string, input: Uint8Array = empty): GuestResult {
    const exported = this.#exports[fn];
    if (typeof exported !== "function")
      return { ok: false, error: `the plugin does not export "${fn}"`, trapped: false };
    this.#call.begin(input);
    try {
      const rc = (exported as () => number)();
      const output = this.#call.output ?? empty;
      if (rc !== 0)
        return {
          ok: false,
          error: utf8Decoder.decode(output) || `${fn} returned ${rc}`,
          trapped: false,
        };
      return { ok: true, output };
    } catch (reason) {
      const text = this.#call.output ? utf8Decoder.decode(this.#call.output) : String(reason);
      return { ok: false, error: text, trapped: true };
    }
  }

  /** Bytes of linear memory the guest holds now (to check memory stays flat across calls). */
  get memoryBytes(): number {
    return (this.#exports.memory as WasmMemory).buffer.byteLength;
  }
}

class CallState {
  input: Uint8Array = empty;
  output: Uint8Array | undefined;
  result: Uint8Array = empty;

  begin(input: Uint8Array): void {
    this.input = input;
    this.output = undefined;
    this.result = empty;
  }
}

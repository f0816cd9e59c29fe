// Types of host-functions.mjs (the worker is plain JavaScript; its tests are TypeScript).
export declare class LimitError extends Error {}
export declare class CallState {
  input: Uint8Array;
  output: Uint8Array | undefined;
  tenant: string;
  result: Uint8Array;
  records: number;
  begin(input: Uint8Array, tenant: string): void;
}
export interface HostPlugin {
  readonly name: string;
  readonly route: string;
  readonly config: Readonly<Record<string, string>>;
  readonly capabilities: ReadonlySet<number>;
  readonly ioBytes: number;
}
export interface HostTelemetry {
  log(plugin: HostPlugin, level: number, message: string, fields: Record<string, string>): void;
  metric(
    plugin: HostPlugin,
    metric: { name: string; kind: number; value: number; labels: Record<string, string> },
  ): void;
}
export interface HostKv {
  get(namespace: string, key: string, now: number): Uint8Array | undefined;
  set(namespace: string, key: string, value: Uint8Array, ttlSeconds: number, now: number): void;
  delete(namespace: string, key: string): void;
}
export declare function hostFunctions(
  plugin: HostPlugin,
  state: CallState,
  memory: () => { readonly buffer: ArrayBuffer },
  telemetry: HostTelemetry,
  kv: HostKv,
): Record<string, (context: unknown, ...args: number[]) => number | undefined>;

// Types of host-codec.mjs (the worker is plain JavaScript; its tests are TypeScript).
export declare const decode: {
  log(bytes: Uint8Array): { level: number; message: string; fields: Record<string, string> };
  metric(bytes: Uint8Array): {
    name: string;
    kind: number;
    value: number;
    labels: Record<string, string>;
  };
  key(bytes: Uint8Array): { key: string };
  kvSet(bytes: Uint8Array): { key: string; value: Uint8Array; ttlSeconds: number };
  hash(bytes: Uint8Array): { algorithm: number; data: Uint8Array };
  hmac(bytes: Uint8Array): { algorithm: number; keyConfig: string; data: Uint8Array };
  signRs256(bytes: Uint8Array): { keyConfig: string; data: Uint8Array };
};
export declare const encode: {
  empty(): Uint8Array;
  found(found: boolean, value: string | Uint8Array): Uint8Array;
  clock(unixMs: number): Uint8Array;
  bytes(value: Uint8Array): Uint8Array;
};

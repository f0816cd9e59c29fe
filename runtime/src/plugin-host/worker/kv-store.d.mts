// Types of kv-store.mjs (the worker is plain JavaScript; its tests are TypeScript).
export declare const maxKeyBytes: number;
export declare const maxValueBytes: number;
export declare class KvStore {
  constructor(path: string);
  get(namespace: string, key: string, now: number): Uint8Array | undefined;
  set(namespace: string, key: string, value: Uint8Array, ttlSeconds: number, now: number): void;
  delete(namespace: string, key: string): void;
  close(): void;
}

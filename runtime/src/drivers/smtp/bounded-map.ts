/**
 * A Map that forgets its oldest entries past a capacity. The driver's
 * short-term memories (records already ingested, messages KumoMTA already
 * has) must not grow without bound on a gateway that runs for months.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError("capacity must be at least 1");
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): this {
    this.#entries.delete(key); // re-inserting moves it to the young end
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity)
      this.#entries.delete(this.#entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }
}

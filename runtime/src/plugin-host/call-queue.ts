/**
 * A FIFO of pending calls that takes from the front in O(batch), not
 * O(queue): `Array.prototype.splice(0, n)` on a queue of 200 000 calls moves
 * them all for every batch.
 */
export class CallQueue<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns up to `n` items from the front. */
  take(n: number): T[] {
    const taken = this.#items.slice(this.#head, this.#head + n);
    this.#head += taken.length;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  /** Puts items back at the front, in order (calls a dead worker never ran). */
  unshift(items: readonly T[]): void {
    if (items.length <= this.#head) {
      this.#head -= items.length;
      for (let i = 0; i < items.length; i++) this.#items[this.#head + i] = items[i]!;
    } else {
      this.#items = [...items, ...this.#items.slice(this.#head)];
      this.#head = 0;
    }
  }

  /** Removes and returns everything. */
  drain(): T[] {
    return this.take(this.length);
  }
}

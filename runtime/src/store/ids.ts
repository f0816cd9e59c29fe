import { randomFillSync } from "node:crypto";

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32, as ULID

/**
 * A ULID-shaped id: 10 characters of millisecond time then 16 of randomness,
 * so ids sort by creation time and never collide across restarts.
 */
export function newMessageId(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const start = takeRandom(10);
  let rand = "";
  let bits = 0;
  let value = 0;
  for (let i = start; i < start + 10; i++) {
    value = ((value << 8) | pool[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += alphabet[(value >> bits) & 31];
    }
  }
  return time + rand;
}

/** Random bytes drawn from the system in blocks: one syscall serves hundreds of ids. */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

/** Reserves `size` unused random bytes of the pool; returns where they start. */
function takeRandom(size: number): number {
  if (poolUsed + size > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  poolUsed += size;
  return poolUsed - size;
}

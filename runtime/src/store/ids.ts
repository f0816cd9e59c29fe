import { randomBytes } from "node:crypto";

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
  const random = randomBytes(10);
  let rand = "";
  let bits = 0;
  let value = 0;
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += alphabet[(value >> bits) & 31];
    }
  }
  return time + rand;
}

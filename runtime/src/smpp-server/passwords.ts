import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// scrypt's defaults in Node (N 16384, r 8, p 1: 16 MiB, tens of ms): a
// stolen config costs a guesser that much per try. The parameters are fixed
// so that the stored form stays "<salt>:<hash>".
const keyBytes = 32;
const saltBytes = 16;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyBytes, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `passwordScrypt` for an account: "<salt, 32 hex digits>:<scrypt hash, 64 hex digits>". */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  return `${salt.toString("hex")}:${(await derive(password, salt)).toString("hex")}`;
}

/**
 * Whether `password` is the one `stored` was made from. The hash runs on
 * libuv's thread pool, so a bind being checked does not hold the event loop;
 * the comparison takes the same time wherever the bytes differ.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(":");
  const expected = Buffer.from(hash ?? "", "hex");
  if (!salt || expected.length !== keyBytes) return false;
  const actual = await derive(password, Buffer.from(salt, "hex"));
  return timingSafeEqual(actual, expected);
}

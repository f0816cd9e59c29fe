// Byte/text encodings REST providers need: UTF-8, base64 (standard, for
// Basic auth and attachments; url-safe, for JWTs) and hex (signatures).

/** The UTF-8 bytes of `text` (unpaired surrogates become U+FFFD). */
export function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE));
}

/** `bytes` decoded as UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, bytes.length);
}

const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function encodeWith(bytes: Uint8Array, alphabet: string, pad: bool): string {
  const n = bytes.length;
  const full = n / 3;
  const rest = n - full * 3;
  const length = full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
  const out = new Uint16Array(length);
  const table = changetype<usize>(alphabet);
  let o = 0;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v =
      ((<u32>unchecked(bytes[i])) << 16) |
      ((<u32>unchecked(bytes[i + 1])) << 8) |
      <u32>unchecked(bytes[i + 2]);
    unchecked((out[o++] = load<u16>(table + ((v >> 18) << 1))));
    unchecked((out[o++] = load<u16>(table + (((v >> 12) & 63) << 1))));
    unchecked((out[o++] = load<u16>(table + (((v >> 6) & 63) << 1))));
    unchecked((out[o++] = load<u16>(table + ((v & 63) << 1))));
  }
  if (rest > 0) {
    const v =
      ((<u32>unchecked(bytes[i])) << 16) | (rest == 2 ? (<u32>unchecked(bytes[i + 1])) << 8 : 0);
    unchecked((out[o++] = load<u16>(table + ((v >> 18) << 1))));
    unchecked((out[o++] = load<u16>(table + (((v >> 12) & 63) << 1))));
    if (rest == 2) unchecked((out[o++] = load<u16>(table + (((v >> 6) & 63) << 1))));
    else if (pad) unchecked((out[o++] = 0x3d));
    if (pad) unchecked((out[o++] = 0x3d));
  }
  return String.UTF16.decodeUnsafe(out.dataStart, length << 1);
}

/** Standard base64 with padding (RFC 4648 §4). */
export function base64(bytes: Uint8Array): string {
  return encodeWith(bytes, STANDARD, true);
}

/** URL-safe base64 without padding (RFC 4648 §5), as JWTs use. */
export function base64url(bytes: Uint8Array): string {
  return encodeWith(bytes, URL_SAFE, false);
}

function sextet(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c == 43 || c == 45) return 62; // '+' or '-'
  if (c == 47 || c == 95) return 63; // '/' or '_'
  return -1;
}

/**
 * Decodes base64 in either alphabet, padded or not; null when `text` is not
 * base64 (a stray character, a lone trailing character, bad padding).
 */
export function fromBase64(text: string): Uint8Array | null {
  let length = text.length;
  let padding = 0;
  while (length > 0 && text.charCodeAt(length - 1) == 0x3d && padding < 2) {
    length--;
    padding++;
  }
  if (padding > 0 && (length + padding) % 4 != 0) return null;
  if (length % 4 == 1) return null;
  const out = new Uint8Array((length * 3) >> 2);
  let acc: u32 = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < length; i++) {
    const v = sextet(text.charCodeAt(i));
    if (v < 0) return null;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      unchecked((out[o++] = <u8>(acc >> bits)));
    }
  }
  return out;
}

const HEX = "0123456789abcdef";

/** Lower-case hex. */
export function hex(bytes: Uint8Array): string {
  const out = new Uint16Array(bytes.length << 1);
  const table = changetype<usize>(HEX);
  for (let i = 0; i < bytes.length; i++) {
    const b = unchecked(bytes[i]);
    unchecked((out[i << 1] = load<u16>(table + ((<usize>(b >> 4)) << 1))));
    unchecked((out[(i << 1) + 1] = load<u16>(table + ((<usize>(b & 15)) << 1))));
  }
  return String.UTF16.decodeUnsafe(out.dataStart, out.length << 1);
}

/** The value of one hex digit (either case), or -1. */
export function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes hex of either case; null when `text` is not hex. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length & 1) return null;
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(text.charCodeAt(i << 1));
    const lo = hexDigit(text.charCodeAt((i << 1) + 1));
    if (hi < 0 || lo < 0) return null;
    unchecked((out[i] = <u8>((hi << 4) | lo)));
  }
  return out;
}

/**
 * Whether `a` and `b` are equal, in time that depends on their length only (for signature checks).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  let diff: u8 = 0;
  for (let i = 0; i < a.length; i++) diff |= unchecked(a[i]) ^ unchecked(b[i]);
  return diff == 0;
}

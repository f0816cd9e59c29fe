/**
 * GSM 03.38 default alphabet and its extension table, as carriers expect
 * them over SMPP: one septet per octet ("unpacked"); the SMSC packs them for
 * the air interface. Extension characters are sent as ESC (0x1B) + code and
 * count as two septets.
 */

// Index = septet value; 0x1B is the escape to the extension table.
const basic =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

const extension: ReadonlyArray<readonly [string, number]> = [
  ["\f", 0x0a],
  ["^", 0x14],
  ["{", 0x28],
  ["}", 0x29],
  ["\\", 0x2f],
  ["[", 0x3c],
  ["~", 0x3d],
  ["]", 0x3e],
  ["|", 0x40],
  ["€", 0x65],
];

const gsmEscape = 0x1b;

const encodeBasic = new Map<string, number>();
for (let i = 0; i < basic.length; i++) if (i !== gsmEscape) encodeBasic.set(basic[i]!, i);
const encodeExtension = new Map(extension);
const decodeExtension = new Map(extension.map(([char, code]) => [code, char]));

// By UTF-16 code unit: the septet, 0x100 | code for the extension table, -1 for neither. Every GSM
// character is below 0x400 but €.
const byCodeUnit = new Int16Array(0x400).fill(-1);
for (const [char, code] of encodeBasic) byCodeUnit[char.charCodeAt(0)] = code;
for (const [char, code] of encodeExtension)
  if (char.charCodeAt(0) < 0x400) byCodeUnit[char.charCodeAt(0)] = 0x100 | code;
const euro = 0x20ac;

/**
 * The fast path for the common case: encodes a whole text in one pass, or
 * returns undefined as soon as a character is not in GSM 03.38. The length
 * of the result is the text's length in septets.
 */
export function encodeGsm7Text(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(text.length * 2);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const value =
      unit < 0x400 ? byCodeUnit[unit]! : unit === euro ? 0x100 | encodeExtension.get("€")! : -1;
    if (value < 0) return undefined;
    if (value & 0x100) {
      out[n++] = gsmEscape;
      out[n++] = value & 0xff;
    } else {
      out[n++] = value;
    }
  }
  return out.subarray(0, n);
}

/**
 * Septets one character takes (1, or 2 from the extension table), or 0 if it is not in GSM 03.38.
 */
export function gsmSeptets(char: string): 0 | 1 | 2 {
  if (encodeBasic.has(char)) return 1;
  if (encodeExtension.has(char)) return 2;
  return 0;
}

/** Whether every character of `text` is in the default alphabet or its extension table. */
export function fitsGsm7(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === 0) return false;
  return true;
}

/** Encodes characters that all fit (check with `fitsGsm7`) as unpacked septets. */
export function encodeGsm7(chars: readonly string[]): Buffer {
  const out: number[] = [];
  for (const char of chars) {
    const code = encodeBasic.get(char);
    if (code !== undefined) out.push(code);
    else out.push(gsmEscape, encodeExtension.get(char)!);
  }
  return Buffer.from(out);
}

/** Decodes unpacked septets; an unknown escape yields its base-table character, as 03.38 says. */
export function decodeGsm7(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const septet = bytes[i]! & 0x7f;
    if (septet === gsmEscape && i + 1 < bytes.length) {
      const next = bytes[++i]! & 0x7f;
      text += decodeExtension.get(next) ?? basic[next];
    } else {
      text += septet === gsmEscape ? " " : basic[septet];
    }
  }
  return text;
}

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

export const gsmEscape = 0x1b;

const encodeBasic = new Map<string, number>();
for (let i = 0; i < basic.length; i++) if (i !== gsmEscape) encodeBasic.set(basic[i]!, i);
const encodeExtension = new Map(extension);
const decodeExtension = new Map(extension.map(([char, code]) => [code, char]));

/** Septets one character takes (1, or 2 from the extension table), or 0 if it is not in GSM 03.38. */
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

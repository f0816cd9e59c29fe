// URL and form (application/x-www-form-urlencoded) helpers, byte-exact with
// WHATWG URLSearchParams and RFC 3986 percent-encoding over UTF-8.
import { fromUtf8, hexDigit, utf8 } from "./encoding";

const HEX_UPPER = "0123456789ABCDEF";

/** Unreserved in RFC 3986: A-Z a-z 0-9 - . _ ~ */
function unreserved(b: u8): bool {
  return (
    (b >= 65 && b <= 90) ||
    (b >= 97 && b <= 122) ||
    (b >= 48 && b <= 57) ||
    b == 45 ||
    b == 46 ||
    b == 95 ||
    b == 126
  );
}

/** Kept by URLSearchParams: A-Z a-z 0-9 * - . _ */
function formSafe(b: u8): bool {
  return (
    (b >= 65 && b <= 90) ||
    (b >= 97 && b <= 122) ||
    (b >= 48 && b <= 57) ||
    b == 42 ||
    b == 45 ||
    b == 46 ||
    b == 95
  );
}

function escape(text: string, form: bool): string {
  const bytes = utf8(text);
  let plain = true;
  for (let i = 0; i < bytes.length && plain; i++)
    plain = form ? formSafe(unchecked(bytes[i])) : unreserved(unchecked(bytes[i]));
  if (plain) return text;
  const out = new Array<u16>();
  for (let i = 0; i < bytes.length; i++) {
    const b = unchecked(bytes[i]);
    if (form ? formSafe(b) : unreserved(b)) out.push(b);
    else if (form && b == 0x20) out.push(0x2b);
    else {
      out.push(0x25);
      out.push(<u16>HEX_UPPER.charCodeAt(b >> 4));
      out.push(<u16>HEX_UPPER.charCodeAt(b & 15));
    }
  }
  return String.UTF16.decodeUnsafe(out.dataStart, out.length << 1);
}

/** RFC 3986 percent-encoding of the UTF-8 bytes: for path segments and OAuth-style signatures. */
export function percentEncode(text: string): string {
  return escape(text, false);
}

/** One name or value of a form body or query, as URLSearchParams encodes it (space as "+"). */
export function formEncode(text: string): string {
  return escape(text, true);
}

function unescape(text: string, plusIsSpace: bool): string {
  if (text.indexOf("%") < 0 && (!plusIsSpace || text.indexOf("+") < 0)) return text;
  const bytes = utf8(text);
  const out = new Uint8Array(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = unchecked(bytes[i]);
    if (b == 0x25 && i + 2 < bytes.length) {
      const hi = hexDigit(unchecked(bytes[i + 1]));
      const lo = hexDigit(unchecked(bytes[i + 2]));
      if (hi >= 0 && lo >= 0) {
        unchecked((out[o++] = <u8>((hi << 4) | lo)));
        i += 2;
        continue;
      }
    }
    unchecked((out[o++] = plusIsSpace && b == 0x2b ? 0x20 : b));
  }
  return fromUtf8(out.subarray(0, o));
}

/**
 * Decodes %XX escapes; a "%" not followed by two hex digits stays as it is,
 * as URLSearchParams does.
 */
export function percentDecode(text: string): string {
  return unescape(text, false);
}

/** One name or value of a form body or query, as URLSearchParams decodes it ("+" is a space). */
export function formDecode(text: string): string {
  return unescape(text, true);
}

/** One name=value pair of a form or query. */
export class FormField {
  constructor(
    public name: string,
    public value: string,
  ) {}
}

/** Builds a form body or query string: `new Form().add("To", to).add("Body", text).toString()`. */
export class Form {
  fields: Array<FormField> = [];

  add(name: string, value: string): Form {
    this.fields.push(new FormField(name, value));
    return this;
  }

  toString(): string {
    const parts = new Array<string>(this.fields.length);
    for (let i = 0; i < this.fields.length; i++) {
      const f = unchecked(this.fields[i]);
      unchecked((parts[i] = formEncode(f.name) + "=" + formEncode(f.value)));
    }
    return parts.join("&");
  }

  /** The UTF-8 body. */
  toBytes(): Uint8Array {
    return utf8(this.toString());
  }
}

/** The fields of a form body or query string, in order (a leading "?" is ignored). */
export function parseFormFields(text: string): Array<FormField> {
  const fields = new Array<FormField>();
  const body = text.startsWith("?") ? text.substring(1) : text;
  if (body.length == 0) return fields;
  const pairs = body.split("&");
  for (let i = 0; i < pairs.length; i++) {
    const pair = unchecked(pairs[i]);
    if (pair.length == 0) continue;
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.substring(0, eq);
    const value = eq < 0 ? "" : pair.substring(eq + 1);
    fields.push(new FormField(formDecode(name), formDecode(value)));
  }
  return fields;
}

/** The fields of a form body or query string by name; a repeated name keeps its last value. */
export function parseForm(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const fields = parseFormFields(text);
  for (let i = 0; i < fields.length; i++)
    map.set(unchecked(fields[i]).name, unchecked(fields[i]).value);
  return map;
}

/** The query of a URL or request target, without "?" and without the fragment; "" when none. */
export function urlQuery(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return "";
  const hash = url.indexOf("#", q);
  return hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash);
}

/** The URL (or request target) without its query and fragment. */
export function urlWithoutQuery(url: string): string {
  let end = url.length;
  const q = url.indexOf("?");
  if (q >= 0) end = q;
  const hash = url.indexOf("#");
  if (hash >= 0 && hash < end) end = hash;
  return url.substring(0, end);
}

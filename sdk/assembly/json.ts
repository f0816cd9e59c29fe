// A small, strict JSON reader and writer (RFC 8259) for provider APIs.
// Strings are escaped and unescaped exactly, \u escapes included (surrogate
// pairs join into one code point); numbers keep their source text, so 64-bit
// ids survive. Parsing never traps: malformed input gives null and an error.
import { hexDigit } from "./encoding";

export enum JsonKind {
  NULL = 0,
  BOOL = 1,
  NUMBER = 2,
  STRING = 3,
  ARRAY = 4,
  OBJECT = 5,
}

/** A parsed JSON value. Lookups on the wrong kind return null, so chains stay short. */
export class JsonValue {
  kind: JsonKind = JsonKind.NULL;
  bool: bool = false;
  /** STRING: the value; NUMBER: the number as written. */
  text: string = "";
  /** ARRAY items, or OBJECT values (in order, beside `keys`). */
  items: Array<JsonValue> = [];
  /** OBJECT member names, in order. */
  keys: Array<string> = [];

  /** An object member (the last one when a name repeats), or null. */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.OBJECT) return null;
    for (let i = this.keys.length - 1; i >= 0; i--)
      if (unchecked(this.keys[i]) == key) return unchecked(this.items[i]);
    return null;
  }

  /** An array item, or null. */
  at(index: i32): JsonValue | null {
    if (this.kind != JsonKind.ARRAY || index < 0 || index >= this.items.length) return null;
    return unchecked(this.items[index]);
  }

  get length(): i32 {
    return this.kind == JsonKind.ARRAY || this.kind == JsonKind.OBJECT ? this.items.length : 0;
  }

  get isNull(): bool {
    return this.kind == JsonKind.NULL;
  }

  /** A string member's value, or null (also when the member is not a string). */
  getString(key: string): string | null {
    const v = this.get(key);
    return v !== null && v.kind == JsonKind.STRING ? v.text : null;
  }

  /** A number member as f64, or NaN. */
  getNumber(key: string): f64 {
    const v = this.get(key);
    return v !== null ? v.asNumber() : NaN;
  }

  /** A number member as i64 (exact for integers), or `fallback`. */
  getInteger(key: string, fallback: i64 = 0): i64 {
    const v = this.get(key);
    return v !== null ? v.asInteger(fallback) : fallback;
  }

  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v !== null && v.kind == JsonKind.BOOL ? v.bool : fallback;
  }

  asNumber(): f64 {
    return this.kind == JsonKind.NUMBER ? parseFloat(this.text) : NaN;
  }

  /**
   * The value as i64 when it is an integer number (no fraction or exponent) in range, else
   * `fallback`.
   */
  asInteger(fallback: i64 = 0): i64 {
    if (this.kind != JsonKind.NUMBER) return fallback;
    const t = this.text;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c == 0x2e || c == 0x65 || c == 0x45) return fallback;
    }
    const negative = t.charCodeAt(0) == 0x2d;
    const limit: u64 = negative ? 0x8000000000000000 : 0x7fffffffffffffff;
    let value: u64 = 0;
    for (let i = negative ? 1 : 0; i < t.length; i++) {
      const digit = <u64>(t.charCodeAt(i) - 48);
      if (value > (limit - digit) / 10) return fallback;
      value = value * 10 + digit;
    }
    // Two's complement: negating 2^63 wraps to i64's minimum, as it should.
    return negative ? -(<i64>value) : <i64>value;
  }

  /** This value as JSON text. */
  toString(): string {
    const w = new JsonWriter();
    w.value(this);
    return w.toString();
  }
}

const MAX_DEPTH: i32 = 128;

/** Parses JSON text; on malformed input `parse` returns null and `error` says why. */
export class JsonParser {
  error: string | null = null;
  private text: string = "";
  private pos: i32 = 0;
  private depth: i32 = 0;

  parse(text: string): JsonValue | null {
    this.text = text;
    this.pos = 0;
    this.depth = 0;
    this.error = null;
    this.space();
    const value = this.value();
    this.space();
    if (this.error === null && this.pos < text.length) this.fail("unexpected text after the value");
    return this.error === null ? value : null;
  }

  private fail(message: string): void {
    if (this.error === null) this.error = message + " at offset " + this.pos.toString();
  }

  @inline private peek(): i32 {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  private space(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.pos++;
    }
  }

  private literal(word: string): bool {
    if (this.text.substr(this.pos, word.length) != word) {
      this.fail("invalid literal");
      return false;
    }
    this.pos += word.length;
    return true;
  }

  private value(): JsonValue {
    const v = new JsonValue();
    const c = this.peek();
    if (c == 0x7b) this.object(v);
    else if (c == 0x5b) this.array(v);
    else if (c == 0x22) {
      v.kind = JsonKind.STRING;
      v.text = this.string();
    } else if (c == 0x74) {
      if (this.literal("true")) {
        v.kind = JsonKind.BOOL;
        v.bool = true;
      }
    } else if (c == 0x66) {
      if (this.literal("false")) v.kind = JsonKind.BOOL;
    } else if (c == 0x6e) {
      this.literal("null");
    } else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      v.kind = JsonKind.NUMBER;
      v.text = this.number();
    } else this.fail(c < 0 ? "unexpected end of input" : "unexpected character");
    return v;
  }

  private enter(): bool {
    if (++this.depth > MAX_DEPTH) {
      this.fail("nested deeper than " + MAX_DEPTH.toString());
      return false;
    }
    this.pos++;
    this.space();
    return true;
  }

  private object(v: JsonValue): void {
    v.kind = JsonKind.OBJECT;
    if (!this.enter()) return;
    if (this.peek() == 0x7d) {
      this.pos++;
      this.depth--;
      return;
    }
    while (this.error === null) {
      if (this.peek() != 0x22) {
        this.fail("expected a member name");
        return;
      }
      v.keys.push(this.string());
      this.space();
      if (this.peek() != 0x3a) {
        this.fail("expected ':'");
        return;
      }
      this.pos++;
      this.space();
      v.items.push(this.value());
      this.space();
      const c = this.peek();
      this.pos++;
      if (c == 0x7d) break;
      if (c != 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
        return;
      }
      this.space();
    }
    this.depth--;
  }

  private array(v: JsonValue): void {
    v.kind = JsonKind.ARRAY;
    if (!this.enter()) return;
    if (this.peek() == 0x5d) {
      this.pos++;
      this.depth--;
      return;
    }
    while (this.error === null) {
      v.items.push(this.value());
      this.space();
      const c = this.peek();
      this.pos++;
      if (c == 0x5d) break;
      if (c != 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
        return;
      }
      this.space();
    }
    this.depth--;
  }

  private digits(): i32 {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    return this.pos - start;
  }

  private number(): string {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    if (this.peek() == 0x30) this.pos++;
    else if (this.digits() == 0) {
      this.fail("invalid number");
      return "";
    }
    if (this.peek() == 0x2e) {
      this.pos++;
      if (this.digits() == 0) {
        this.fail("invalid number");
        return "";
      }
    }
    if (this.peek() == 0x65 || this.peek() == 0x45) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      if (this.digits() == 0) {
        this.fail("invalid number");
        return "";
      }
    }
    return this.text.substring(start, this.pos);
  }

  private string(): string {
    this.pos++; // the opening quote
    const text = this.text;
    let start = this.pos;
    let parts: Array<string> | null = null;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c == 0x22) {
        const tail = text.substring(start, this.pos);
        this.pos++;
        if (parts === null) return tail;
        parts.push(tail);
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("control character in a string");
        return "";
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      if (parts === null) parts = [];
      parts.push(text.substring(start, this.pos));
      const e = this.pos + 1 < text.length ? text.charCodeAt(this.pos + 1) : -1;
      this.pos += 2;
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        const unit = this.hex4();
        if (unit < 0) return "";
        parts.push(String.fromCharCode(unit));
      } else {
        this.pos -= 2;
        this.fail("invalid escape");
        return "";
      }
      start = this.pos;
    }
    this.fail("unterminated string");
    return "";
  }

  // One UTF-16 unit: surrogate pairs arrive as two \u escapes, which join by concatenation.
  private hex4(): i32 {
    if (this.pos + 4 > this.text.length) {
      this.fail("truncated \\u escape");
      return -1;
    }
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const d = hexDigit(this.text.charCodeAt(this.pos + i));
      if (d < 0) {
        this.fail("invalid \\u escape");
        return -1;
      }
      unit = (unit << 4) | d;
    }
    this.pos += 4;
    return unit;
  }
}

/** Parses JSON text; null when it is not valid JSON (use JsonParser to learn why). */
export function parseJson(text: string): JsonValue | null {
  return new JsonParser().parse(text);
}

const HEX = "0123456789abcdef";

/** The JSON string literal for `value`, quotes included (escapes as JSON.stringify writes them). */
export function jsonString(value: string): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      plain = false;
      break;
    }
  }
  if (plain) return '"' + value + '"';
  const parts = new Array<string>();
  parts.push('"');
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let escaped: string | null = null;
    if (c == 0x22) escaped = '\\"';
    else if (c == 0x5c) escaped = "\\\\";
    else if (c == 0x0a) escaped = "\\n";
    else if (c == 0x0d) escaped = "\\r";
    else if (c == 0x09) escaped = "\\t";
    else if (c == 0x08) escaped = "\\b";
    else if (c == 0x0c) escaped = "\\f";
    else if (c < 0x20) escaped = unicodeEscape(c);
    else if (c >= 0xd800 && c <= 0xdbff) {
      // A paired surrogate is kept; a lone one is escaped (well-formed JSON.stringify).
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else escaped = unicodeEscape(c);
    } else if (c >= 0xdc00 && c <= 0xdfff) escaped = unicodeEscape(c);
    if (escaped !== null) {
      parts.push(value.substring(start, i));
      parts.push(escaped);
      start = i + 1;
    }
  }
  parts.push(value.substring(start));
  parts.push('"');
  return parts.join("");
}

function unicodeEscape(c: i32): string {
  return (
    "\\u" +
    HEX.charAt((c >> 12) & 15) +
    HEX.charAt((c >> 8) & 15) +
    HEX.charAt((c >> 4) & 15) +
    HEX.charAt(c & 15)
  );
}

/**
 * Builds JSON text: `w.beginObject().key("to").string(to).key("n").integer(1).endObject()`.
 * Commas are placed for you; `toString()` gives the text, `toBytes()` its UTF-8.
 */
export class JsonWriter {
  private parts: Array<string> = [];
  // Per open container: whether the next item needs a comma before it.
  private needComma: Array<bool> = [false];

  private item(): void {
    const top = this.needComma.length - 1;
    if (unchecked(this.needComma[top])) this.parts.push(",");
    unchecked((this.needComma[top] = true));
  }

  beginObject(): JsonWriter {
    this.item();
    this.parts.push("{");
    this.needComma.push(false);
    return this;
  }

  endObject(): JsonWriter {
    this.needComma.pop();
    this.parts.push("}");
    return this;
  }

  beginArray(): JsonWriter {
    this.item();
    this.parts.push("[");
    this.needComma.push(false);
    return this;
  }

  endArray(): JsonWriter {
    this.needComma.pop();
    this.parts.push("]");
    return this;
  }

  /** A member name; the next call writes its value. */
  key(name: string): JsonWriter {
    this.item();
    this.parts.push(jsonString(name));
    this.parts.push(":");
    unchecked((this.needComma[this.needComma.length - 1] = false));
    return this;
  }

  string(value: string): JsonWriter {
    this.item();
    this.parts.push(jsonString(value));
    return this;
  }

  /** A finite number (NaN and infinities, which JSON lacks, become null as in JSON.stringify). */
  number(value: f64): JsonWriter {
    this.item();
    // Integral values below 2^63 print exactly as integers (f64's toString would add ".0").
    const integral = value == Math.floor(value) && Math.abs(value) < 9.223372036854775807e18;
    this.parts.push(
      !isFinite(value) ? "null" : integral ? (<i64>value).toString() : value.toString(),
    );
    return this;
  }

  integer(value: i64): JsonWriter {
    this.item();
    this.parts.push(value.toString());
    return this;
  }

  bool(value: bool): JsonWriter {
    this.item();
    this.parts.push(value ? "true" : "false");
    return this;
  }

  nullValue(): JsonWriter {
    this.item();
    this.parts.push("null");
    return this;
  }

  /** Inserts already-valid JSON text as one value. */
  raw(json: string): JsonWriter {
    this.item();
    this.parts.push(json);
    return this;
  }

  /** A parsed value, written back out. */
  value(v: JsonValue): JsonWriter {
    if (v.kind == JsonKind.OBJECT) {
      this.beginObject();
      for (let i = 0; i < v.keys.length; i++)
        this.key(unchecked(v.keys[i])).value(unchecked(v.items[i]));
      return this.endObject();
    }
    if (v.kind == JsonKind.ARRAY) {
      this.beginArray();
      for (let i = 0; i < v.items.length; i++) this.value(unchecked(v.items[i]));
      return this.endArray();
    }
    if (v.kind == JsonKind.STRING) return this.string(v.text);
    if (v.kind == JsonKind.NUMBER) return this.raw(v.text);
    if (v.kind == JsonKind.BOOL) return this.bool(v.bool);
    return this.nullValue();
  }

  toString(): string {
    return this.parts.join("");
  }

  toBytes(): Uint8Array {
    return Uint8Array.wrap(String.UTF8.encode(this.toString()));
  }
}

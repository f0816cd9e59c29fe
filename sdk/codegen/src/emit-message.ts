// Emits one message class: fields with proto3 defaults, oneof setters,
// `encodeTo`/`encode` (fields in declaration order, packed repeated scalars,
// map entries with key and value always written: the bytes protobuf-es
// writes) and `mergeFrom`/`decode` (both repeated forms accepted, unknown
// fields skipped, wrong wire types refused).
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";
import {
  fieldName,
  oneofCaseEnum,
  oneofCaseField,
  oneofCaseMember,
  setterName,
  typeName,
} from "./names.js";
import type { Printer } from "./printer.js";
import { enumScalar, scalarInfo, type ScalarInfo } from "./scalars.js";

const LENGTH_DELIMITED = 2;

export function emitMessage(out: Printer, m: DescMessage): void {
  const name = typeName(m);
  out.line("");
  out.comment(getComments(m).leading);
  out.line(`export class ${name} {`);
  for (const f of m.fields) {
    out.comment(getComments(f).leading, "  ");
    out.line(`  ${fieldName(f)}: ${fieldType(f)} = ${fieldZero(f)};`);
  }
  for (const oneof of m.oneofs) {
    out.line(`  /** Which field of \`${oneof.name}\` is set; set it with the setters. */`);
    out.line(`  ${oneofCaseField(oneof)}: ${oneofCaseEnum(oneof)} = ${oneofCaseEnum(oneof)}.NONE;`);
  }
  for (const f of m.fields) {
    if (!f.oneof) continue;
    out.line("");
    out.line(`  /** Sets \`${fieldName(f)}\` as the \`${f.oneof.name}\` of this message. */`);
    out.line(`  ${setterName(f)}(value: ${fieldType(f, true)}): this {`);
    out.line(`    this.${fieldName(f)} = value;`);
    out.line(
      `    this.${oneofCaseField(f.oneof)} = ${oneofCaseEnum(f.oneof)}.${oneofCaseMember(f)};`,
    );
    out.line("    return this;");
    out.line("  }");
  }
  emitEncode(out, m);
  emitDecode(out, m, name);
  out.line("}");
}

function valueType(f: DescField): string {
  if (f.message) return typeName(f.message);
  if (f.enum) return typeName(f.enum);
  return scalarInfo(f.scalar ?? ScalarType.INT32).type;
}

function fieldType(f: DescField, nonNull = false): string {
  switch (f.fieldKind) {
    case "list":
      return `Array<${valueType(f)}>`;
    case "map":
      return `Map<${scalarInfo(f.mapKey).type}, ${valueType(f)}>`;
    case "message":
      return nonNull ? valueType(f) : `${valueType(f)} | null`;
    default:
      return valueType(f);
  }
}

function fieldZero(f: DescField): string {
  switch (f.fieldKind) {
    case "list":
      return `new Array<${valueType(f)}>()`;
    case "map":
      return `new ${fieldType(f)}()`;
    case "message":
      return "null";
    case "enum":
      return "0";
    case "scalar":
      return scalarInfo(f.scalar).zero;
  }
}

function singularScalar(f: DescField): ScalarInfo {
  if (f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum"))
    return enumScalar;
  if (f.fieldKind === "map")
    return f.mapKind === "enum" ? enumScalar : scalarInfo(f.scalar ?? ScalarType.INT32);
  return scalarInfo(f.scalar ?? ScalarType.INT32);
}

function emitEncode(out: Printer, m: DescMessage): void {
  out.line("");
  out.line("  /** Appends this message's fields to `w`. */");
  out.line("  encodeTo(w: Writer): void {");
  for (const f of m.fields) {
    const self = `this.${fieldName(f)}`;
    const n = f.number;
    if (f.oneof) {
      out.line(
        `    if (this.${oneofCaseField(f.oneof)} == ${oneofCaseEnum(f.oneof)}.${oneofCaseMember(f)}) {`,
      );
      if (f.fieldKind === "message") {
        out.line(`      const v = ${self};`);
        out.line(
          `      if (v !== null) { w.tag(${n}, 2); const at = w.fork(); v.encodeTo(w); w.join(at); }`,
        );
        out.line(`      else { w.tag(${n}, 2); w.uint32(0); }`);
      } else {
        const s = singularScalar(f);
        out.line(`      w.tag(${n}, ${s.wireType}); w.${s.method}(${self});`);
      }
      out.line("    }");
      continue;
    }
    switch (f.fieldKind) {
      case "scalar":
      case "enum": {
        const s = singularScalar(f);
        out.line(
          `    if (${s.isSet(self)}) { w.tag(${n}, ${s.wireType}); w.${s.method}(${self}); }`,
        );
        break;
      }
      case "message":
        out.line(
          `    { const v = ${self}; if (v !== null) { w.tag(${n}, 2); const at = w.fork(); v.encodeTo(w); w.join(at); } }`,
        );
        break;
      case "list": {
        out.line(`    { const list = ${self};`);
        if (f.listKind === "message") {
          out.line(
            `      for (let i = 0; i < list.length; i++) { w.tag(${n}, 2); const at = w.fork(); unchecked(list[i]).encodeTo(w); w.join(at); } }`,
          );
        } else if (f.packed) {
          const s = singularScalar(f);
          out.line(
            `      if (list.length > 0) { w.tag(${n}, 2); const at = w.fork(); for (let i = 0; i < list.length; i++) w.${s.method}(unchecked(list[i])); w.join(at); } }`,
          );
        } else {
          const s = singularScalar(f);
          out.line(
            `      for (let i = 0; i < list.length; i++) { w.tag(${n}, ${s.wireType}); w.${s.method}(unchecked(list[i])); } }`,
          );
        }
        break;
      }
      case "map": {
        const k = scalarInfo(f.mapKey);
        out.line(`    { const map = ${self}; const keys = map.keys();`);
        out.line("      for (let i = 0; i < keys.length; i++) {");
        out.line(`        const key = unchecked(keys[i]); w.tag(${n}, 2); const at = w.fork();`);
        out.line(`        w.tag(1, ${k.wireType}); w.${k.method}(key);`);
        if (f.mapKind === "message") {
          out.line(
            "        w.tag(2, 2); const vat = w.fork(); map.get(key).encodeTo(w); w.join(vat);",
          );
        } else {
          const v = singularScalar(f);
          out.line(`        w.tag(2, ${v.wireType}); w.${v.method}(map.get(key));`);
        }
        out.line("        w.join(at);");
        out.line("      } }");
        break;
      }
    }
  }
  out.line("  }");
  out.line("");
  out.line("  /** The binary encoding of this message. */");
  out.line("  encode(): Uint8Array {");
  out.line("    const w = new Writer();");
  out.line("    this.encodeTo(w);");
  out.line("    return w.finish();");
  out.line("  }");
}

function emitDecode(out: Printer, m: DescMessage, name: string): void {
  out.line("");
  out.line(
    "  /** Reads fields from `r` up to its current end; on malformed input `r.error` is set. */",
  );
  out.line("  mergeFrom(r: Reader): this {");
  out.line("    while (r.more()) {");
  out.line("      const tag = r.tag();");
  out.line("      const field = tag >>> 3;");
  out.line("      const wt = tag & 7;");
  out.line("      switch (field) {");
  for (const f of m.fields) {
    out.line(`        case ${f.number}: {`);
    emitReadField(out, f);
    out.line("          break;");
    out.line("        }");
  }
  out.line("        default:");
  out.line("          r.skip(field, wt);");
  out.line("      }");
  out.line("    }");
  out.line("    return this;");
  out.line("  }");
  out.line("");
  out.line(
    "  /** Decodes `data`; null when it is not a valid encoding (use `mergeFrom` to learn why). */",
  );
  out.line(`  static decode(data: Uint8Array): ${name} | null {`);
  out.line("    const r = Reader.of(data);");
  out.line(`    const m = new ${name}().mergeFrom(r);`);
  out.line("    return r.error === null ? m : null;");
  out.line("  }");
}

function emitReadField(out: Printer, f: DescField): void {
  const self = `this.${fieldName(f)}`;
  const n = f.number;
  const pad = "          ";
  const setCase = f.oneof
    ? ` this.${oneofCaseField(f.oneof)} = ${oneofCaseEnum(f.oneof)}.${oneofCaseMember(f)};`
    : "";
  switch (f.fieldKind) {
    case "scalar":
    case "enum": {
      const s = singularScalar(f);
      out.line(
        `${pad}if (r.expect(${n}, wt, ${s.wireType})) { ${self} = r.${s.method}();${setCase} }`,
      );
      break;
    }
    case "message": {
      const t = valueType(f);
      out.line(`${pad}if (!r.expect(${n}, wt, 2)) break;`);
      // A repeated occurrence merges into the message already read, as protobuf specifies.
      out.line(
        `${pad}let v = ${self}; if (v === null${f.oneof ? ` || this.${oneofCaseField(f.oneof)} != ${oneofCaseEnum(f.oneof)}.${oneofCaseMember(f)}` : ""}) { v = new ${t}(); ${self} = v; }`,
      );
      out.line(`${pad}const outer = r.enter(); v.mergeFrom(r); r.leave(outer);${setCase}`);
      break;
    }
    case "list": {
      if (f.listKind === "message") {
        out.line(`${pad}if (!r.expect(${n}, wt, 2)) break;`);
        out.line(
          `${pad}const outer = r.enter(); ${self}.push(new ${valueType(f)}().mergeFrom(r)); r.leave(outer);`,
        );
        break;
      }
      const s = singularScalar(f);
      if (s.wireType === LENGTH_DELIMITED) {
        out.line(`${pad}if (r.expect(${n}, wt, 2)) ${self}.push(r.${s.method}());`);
        break;
      }
      // Packed and unpacked encodings are both accepted, whatever the declaration says.
      out.line(
        `${pad}if (wt == 2) { const outer = r.enter(); while (r.more()) ${self}.push(r.${s.method}()); r.leave(outer); }`,
      );
      out.line(`${pad}else if (r.expect(${n}, wt, ${s.wireType})) ${self}.push(r.${s.method}());`);
      break;
    }
    case "map": {
      const k = scalarInfo(f.mapKey);
      const isMessage = f.mapKind === "message";
      const v = isMessage ? undefined : singularScalar(f);
      out.line(`${pad}if (!r.expect(${n}, wt, 2)) break;`);
      out.line(`${pad}const outer = r.enter();`);
      out.line(`${pad}let key: ${k.type} = ${k.zero};`);
      out.line(
        `${pad}let value: ${valueType(f)} = ${isMessage ? `new ${valueType(f)}()` : f.mapKind === "enum" ? "0" : v!.zero};`,
      );
      out.line(`${pad}while (r.more()) {`);
      out.line(`${pad}  const entryTag = r.tag();`);
      out.line(`${pad}  const entryField = entryTag >>> 3;`);
      out.line(
        `${pad}  if (entryField == 1) { if (r.expect(1, entryTag & 7, ${k.wireType})) key = r.${k.method}(); }`,
      );
      if (isMessage) {
        out.line(
          `${pad}  else if (entryField == 2) { if (r.expect(2, entryTag & 7, 2)) { const inner = r.enter(); value.mergeFrom(r); r.leave(inner); } }`,
        );
      } else {
        out.line(
          `${pad}  else if (entryField == 2) { if (r.expect(2, entryTag & 7, ${v!.wireType})) value = r.${v!.method}(); }`,
        );
      }
      out.line(`${pad}  else r.skip(entryField, entryTag & 7);`);
      out.line(`${pad}}`);
      out.line(`${pad}r.leave(outer);`);
      out.line(`${pad}${self}.set(key, value);`);
      break;
    }
  }
}

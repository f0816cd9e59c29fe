// Names of generated AssemblyScript declarations, following protobuf-es where
// it can (nested types joined with "_", enum value prefixes stripped, camelCase
// fields), so host and plugin code read alike.
import type {
  DescEnum,
  DescEnumValue,
  DescField,
  DescFile,
  DescMessage,
  DescOneof,
} from "@bufbuild/protobuf";

// AssemblyScript globals a generated type must not shadow: plugin code that
// imports the type must still reach the global (e.g. `throw new Error(...)`).
const reservedTypeNames = new Set([
  "Array",
  "ArrayBuffer",
  "Boolean",
  "DataView",
  "Date",
  "Error",
  "Float32Array",
  "Float64Array",
  "Function",
  "Int16Array",
  "Int32Array",
  "Int64Array",
  "Int8Array",
  "JSON",
  "Map",
  "Math",
  "Number",
  "Object",
  "RangeError",
  "Set",
  "StaticArray",
  "String",
  "Symbol",
  "SyntaxError",
  "TypeError",
  "Uint16Array",
  "Uint32Array",
  "Uint64Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "URIError",
  "WeakMap",
  "WeakSet",
  "Writer",
  "Reader",
  "WireType",
]);

/** `Outer_Inner`, with a `$` suffix when it would shadow a global. */
export function typeName(desc: DescMessage | DescEnum): string {
  const name = desc.typeName
    .slice(desc.file.proto.package.length > 0 ? desc.file.proto.package.length + 1 : 0)
    .replace(/\./g, "_");
  return reservedTypeNames.has(name) ? `${name}$` : name;
}

export function fieldName(field: DescField): string {
  return field.localName;
}

/** `Address_KindCase` for `oneof kind` in `Address`. */
export function oneofCaseEnum(oneof: DescOneof): string {
  return `${typeName(oneof.parent)}_${pascal(oneof.name)}Case`;
}

/** The class member holding which field of the oneof is set: `kindCase`. */
export function oneofCaseField(oneof: DescOneof): string {
  return `${oneof.localName}Case`;
}

export function oneofCaseMember(field: DescField): string {
  return field.name.toUpperCase();
}

/** `CHANNEL_SMS` in `enum Channel` becomes `SMS`, as protobuf-es does. */
export function enumValueName(value: DescEnumValue): string {
  const prefix = `${snakeUpper(value.parent.name)}_`;
  const stripped = value.name.startsWith(prefix) ? value.name.slice(prefix.length) : value.name;
  return /^[A-Za-z_]/.test(stripped) ? stripped : value.name;
}

export function setterName(field: DescField): string {
  return `set${pascal(field.localName)}`;
}

/** `hermes/v1/message.proto` → `hermes/v1/message_pb.ts`. */
export function outputPath(file: DescFile): string {
  return `${file.name}_pb.ts`;
}

function pascal(name: string): string {
  return name.replace(/(?:^|_)([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function snakeUpper(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

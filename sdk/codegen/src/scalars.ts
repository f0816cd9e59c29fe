// How each protobuf scalar maps onto AssemblyScript and onto the SDK's
// Writer/Reader methods (sdk/assembly/proto).
import { ScalarType } from "@bufbuild/protobuf";

export interface ScalarInfo {
  /** AssemblyScript type. */
  type: string;
  /** Writer/Reader method name. */
  method: string;
  /** Wire type of one value. */
  wireType: number;
  /** Initial value expression. */
  zero: string;
  /** Expression that is true when `v` differs from the zero value (implicit presence). */
  isSet: (v: string) => string;
}

const number = (type: string, method: string, wireType: number): ScalarInfo => ({
  type,
  method,
  wireType,
  zero: "0",
  isSet: (v) => `${v} != 0`,
});

const scalars: Record<ScalarType, ScalarInfo> = {
  [ScalarType.DOUBLE]: number("f64", "double", 1),
  [ScalarType.FLOAT]: number("f32", "float", 5),
  [ScalarType.INT64]: number("i64", "int64", 0),
  [ScalarType.UINT64]: number("u64", "uint64", 0),
  [ScalarType.INT32]: number("i32", "int32", 0),
  [ScalarType.FIXED64]: number("u64", "fixed64", 1),
  [ScalarType.FIXED32]: number("u32", "fixed32", 5),
  [ScalarType.BOOL]: { type: "bool", method: "bool", wireType: 0, zero: "false", isSet: (v) => v },
  [ScalarType.STRING]: {
    type: "string",
    method: "string",
    wireType: 2,
    zero: `""`,
    isSet: (v) => `${v}.length > 0`,
  },
  [ScalarType.BYTES]: {
    type: "Uint8Array",
    method: "bytes",
    wireType: 2,
    zero: "new Uint8Array(0)",
    isSet: (v) => `${v}.length > 0`,
  },
  [ScalarType.UINT32]: number("u32", "uint32", 0),
  [ScalarType.SFIXED32]: number("i32", "sfixed32", 5),
  [ScalarType.SFIXED64]: number("i64", "sfixed64", 1),
  [ScalarType.SINT32]: number("i32", "sint32", 0),
  [ScalarType.SINT64]: number("i64", "sint64", 0),
};

export function scalarInfo(type: ScalarType): ScalarInfo {
  return scalars[type];
}

/** Enums travel as int32 varints. */
export const enumScalar: ScalarInfo = scalars[ScalarType.INT32];

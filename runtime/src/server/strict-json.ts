import type { JsonReadOptions, JsonWriteOptions } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * How the API reads JSON requests. connect-es's server defaults ignore
 * unknown fields (a misspelt `idempotencyKy` would vanish, and a retry send
 * the message twice) and decode bytes that are not UTF-8 as U+FFFD, altering
 * the text that is delivered. Both get InvalidArgument instead, as a lone
 * surrogate escape (`"\ud800"`) already does; the first names the field.
 */
export const strictJsonOptions: Partial<JsonReadOptions & JsonWriteOptions> & {
  /** connect-es's JSON serialization decodes request bodies with this (createJsonSerialization). */
  readonly textDecoder: { decode(bytes: Uint8Array): string };
} = {
  ignoreUnknownFields: false,
  textDecoder: {
    decode(bytes) {
      try {
        return utf8.decode(bytes);
      } catch {
        throw new ConnectError("the JSON request body is not valid UTF-8", Code.InvalidArgument);
      }
    },
  },
};

import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type Compression,
  compressedFlag,
  type EnvelopedMessage,
  pipe,
  readAllBytes,
  transformJoinEnvelopes,
  transformSplitEnvelope,
  type UniversalHandler,
  type UniversalServerRequest,
} from "@connectrpc/connect/protocol";
import * as connect from "@connectrpc/connect/protocol-connect";
import * as grpc from "@connectrpc/connect/protocol-grpc";
import * as grpcWeb from "@connectrpc/connect/protocol-grpc-web";

export interface RequestLimits {
  /** The compressions the handlers accept (connectNodeAdapter's acceptCompression). */
  readonly compressions: readonly Compression[];
  /** The largest request message the handlers read (readMaxBytes). */
  readonly readMaxBytes: number;
}

/**
 * Request bytes that are not a valid protobuf message get InvalidArgument.
 *
 * connect-es 2.1 answers them with Internal ("parse binary: …"), blaming the
 * server for the client's bytes, and its parse step takes no option to say
 * otherwise; it runs before any interceptor. So the wrapped handler gets its
 * binary request messages (gRPC, gRPC-Web, Connect) parsed here first, with
 * the same framing and decompression: a malformed one fails the request body
 * with InvalidArgument, which each protocol then reports as it reports any
 * error. The bytes pass on unchanged. JSON requests pass untouched: a JSON
 * parse error is InvalidArgument already.
 *
 * The content-type parsers and header names come from connect-es's protocol
 * modules, which it marks private (no semver); package.json pins the version.
 */
export function refuseMalformedProtobuf(
  handler: UniversalHandler,
  limits: RequestLimits,
): UniversalHandler {
  const check = (bytes: Uint8Array) => {
    try {
      fromBinary(handler.method.input, bytes);
    } catch (reason) {
      throw new ConnectError(
        `the request is not a valid ${handler.method.input.typeName} message: ${(reason as Error).message}`,
        Code.InvalidArgument,
      );
    }
  };
  const wrapped = (req: UniversalServerRequest) => {
    const framing = binaryFraming(req.header.get(connect.headerContentType));
    if (!framing || !isByteStream(req.body)) return handler(req);
    const encoding = req.header.get(framing.encodingHeader);
    const compression = limits.compressions.find((c) => c.name === encoding);
    // An encoding the handler does not know: let it refuse the request its own way.
    if (encoding && encoding !== "identity" && !compression) return handler(req);
    const body = framing.enveloped
      ? pipe(
          req.body,
          transformSplitEnvelope(limits.readMaxBytes),
          async function* (envelopes: AsyncIterable<EnvelopedMessage>) {
            for await (const envelope of envelopes) {
              if ((envelope.flags & compressedFlag) === 0) check(envelope.data);
              // Compressed without an encoding header: the handler refuses it itself.
              else if (compression)
                check(await compression.decompress(envelope.data, limits.readMaxBytes));
              yield envelope;
            }
          },
          transformJoinEnvelopes(),
        )
      : (async function* (body: AsyncIterable<Uint8Array>) {
          const bytes = await readAllBytes(
            body,
            limits.readMaxBytes,
            req.header.get(connect.headerUnaryContentLength),
          );
          check(compression ? await compression.decompress(bytes, limits.readMaxBytes) : bytes);
          yield bytes;
        })(req.body);
    return handler({ ...req, body });
  };
  return Object.assign(wrapped, handler);
}

interface BinaryFraming {
  /**
   * Length-prefixed messages (gRPC, gRPC-Web, Connect streams), or the whole body as one (Connect
   * unary).
   */
  readonly enveloped: boolean;
  /** The header naming the request's compression. */
  readonly encodingHeader: string;
}

/**
 * How a request of this content type frames binary messages; undefined for JSON (or unknown types).
 */
function binaryFraming(contentType: string | null): BinaryFraming | undefined {
  // The three protocols' content types are disjoint: at most one parser matches.
  const viaGrpc = grpc.parseContentType(contentType);
  if (viaGrpc)
    return viaGrpc.binary ? { enveloped: true, encodingHeader: grpc.headerEncoding } : undefined;
  const viaGrpcWeb = grpcWeb.parseContentType(contentType);
  // grpc-web-text (base64) is refused by the handler itself.
  if (viaGrpcWeb)
    return viaGrpcWeb.binary && !viaGrpcWeb.text
      ? { enveloped: true, encodingHeader: grpcWeb.headerEncoding }
      : undefined;
  const viaConnect = connect.parseContentType(contentType);
  if (!viaConnect?.binary) return undefined;
  return viaConnect.stream
    ? { enveloped: true, encodingHeader: connect.headerStreamEncoding }
    : { enveloped: false, encodingHeader: connect.headerUnaryEncoding };
}

function isByteStream(body: UniversalServerRequest["body"]): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

// HTTP/2 framing by hand (RFC 9113 §4, HPACK literals from RFC 7541 §6.2.2),
// for writing the frames no HTTP/2 library would send and reading the
// server's answers byte by byte.

export const frameType = {
  data: 0x0,
  headers: 0x1,
  rstStream: 0x3,
  settings: 0x4,
  goaway: 0x7,
  continuation: 0x9,
} as const;

export const flag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4 } as const;

/** HTTP/2 error codes (RFC 9113 §7). */
export const errorCode = {
  noError: 0x0,
  protocolError: 0x1,
  frameSizeError: 0x6,
  cancel: 0x8,
  compressionError: 0x9,
  enhanceYourCalm: 0xb,
} as const;

/** One frame; `length` overrides the header's length field (to lie about it). */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(),
  length = payload.length,
): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** The connection preface and an empty SETTINGS frame: how every client starts. */
export const clientStart = Buffer.concat([
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"),
  frame(frameType.settings, 0, 0),
]);

/** A header block of literal fields without indexing (no Huffman), pseudo-headers first. */
export function headerBlock(headers: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(headers).flatMap(([name, value]) => [
      Buffer.of(0x00),
      hpackString(name),
      hpackString(value),
    ]),
  );
}

/** A POST's header block for `path`, with any extra headers. */
export function postHeaders(path: string, extra: Record<string, string> = {}): Buffer {
  return headerBlock({
    ":method": "POST",
    ":scheme": "http",
    ":path": path,
    ":authority": "localhost",
    ...extra,
  });
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  return Buffer.concat([hpackInteger(bytes.length, 7), bytes]);
}

function hpackInteger(value: number, prefixBits: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.of(value);
  const out = [max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) + 128);
  out.push(value);
  return Buffer.from(out);
}

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** The complete frames in what a server sent (after no preface: servers send none). */
export function readFrames(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(at, 3);
    if (at + 9 + length > bytes.length) break;
    frames.push({
      type: bytes[at + 3],
      flags: bytes[at + 4],
      streamId: bytes.readUInt32BE(at + 5) & 0x7fffffff,
      payload: bytes.subarray(at + 9, at + 9 + length),
    });
    at += 9 + length;
  }
  return frames;
}

/** The error code of the first GOAWAY the server sent, or undefined. */
export function goawayCode(bytes: Buffer): number | undefined {
  const goaway = readFrames(bytes).find((f) => f.type === frameType.goaway);
  return goaway?.payload.readUInt32BE(4);
}

/** The error code of the first RST_STREAM for `streamId`, or undefined. */
export function resetCode(bytes: Buffer, streamId: number): number | undefined {
  const reset = readFrames(bytes).find(
    (f) => f.type === frameType.rstStream && f.streamId === streamId,
  );
  return reset?.payload.readUInt32BE(0);
}

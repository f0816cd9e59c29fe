import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { SMTPServer } from "smtp-server";
import {
  Channel,
  MessageSchema,
  MessageStatus,
  type Message,
  RouteState,
} from "@hermes/runtime/contracts";
import {
  clients,
  keys,
  startTestGateway,
  type Clients,
  type TestGateway,
} from "../support/gateway-harness.js";
import { poll, untilAdapterState } from "../support/wait.js";

/**
 * The issue asks for proof that injected messages are well formed by parts
 * Hermes did not write: an `smtp-server` configured here (not our KumoMTA
 * simulator) captures the exact bytes after DATA, and Python's standard
 * library email parser (policy.default, which records every RFC violation it
 * meets as a defect) reads them back.
 */

interface Captured {
  readonly mailFrom: string;
  readonly rcptTo: string[];
  readonly raw: Buffer;
  readonly spoolId: string;
}

/**
 * A plain SMTP relay that answers the end of DATA the way KumoMTA does, so the driver's reply
 * parsing is exercised.
 */
async function startCapturingServer(): Promise<{
  port: number;
  captured: Captured[];
  close(): Promise<void>;
}> {
  const captured: Captured[] = [];
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    authOptional: true,
    disabledCommands: ["AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const spoolId = randomBytes(16).toString("hex");
        captured.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          spoolId,
        });
        callback(null, `OK ids=${spoolId}`);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What Python's email package makes of one message. */
interface Parsed {
  readonly headers: Record<string, string | null>;
  readonly headerDefects: Record<string, string[]>;
  readonly defects: string[];
  readonly contentType: string;
  readonly parts: { contentType: string; charset: string | null; defects: string[] }[];
  readonly text: string | null;
  readonly textCharset: string | null;
  readonly html: string | null;
  readonly htmlCharset: string | null;
  readonly attachments: {
    filename: string | null;
    contentType: string;
    sha256: string;
    size: number;
  }[];
}

const parserScript = `
import sys, json, base64, hashlib
from email.parser import BytesParser
from email import policy

NAMES = ["Subject", "From", "To", "Message-ID", "Date", "MIME-Version", "X-Tenant", "X-Campaign", "X-Hermes-Message-Id"]

def defects(obj):
    return [type(d).__name__ + ": " + str(d) for d in obj.defects]

def parse(raw):
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    headers, header_defects = {}, {}
    for name in NAMES:
        values = msg.get_all(name) or []
        if len(values) > 1:
            header_defects[name] = ["appears %d times" % len(values)]
        headers[name] = str(values[0]) if values else None
    for name, value in msg.items():
        if getattr(value, "defects", None):
            header_defects.setdefault(name, []).extend(defects(value))
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    text_content = text.get_content() if text is not None else None
    html_content = html.get_content() if html is not None else None
    attachments = []
    for a in msg.iter_attachments():
        data = a.get_payload(decode=True)
        attachments.append({"filename": a.get_filename(), "contentType": a.get_content_type(), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    # Decoding a part is what records its transfer-encoding defects, so parts are listed after the bodies are read.
    parts = [{"contentType": p.get_content_type(), "charset": p.get_content_charset(), "defects": defects(p)} for p in msg.walk()]
    return {
        "headers": headers,
        "headerDefects": header_defects,
        "defects": defects(msg),
        "contentType": msg.get_content_type(),
        "parts": parts,
        "text": text_content,
        "textCharset": text.get_content_charset() if text is not None else None,
        "html": html_content,
        "htmlCharset": html.get_content_charset() if html is not None else None,
        "attachments": attachments,
    }

raws = json.load(sys.stdin)
json.dump([parse(base64.b64decode(r)) for r in raws], sys.stdout, ensure_ascii=True)
`;

/** Parses every raw message in one python3 run (one interpreter start keeps the test fast). */
async function parseWithPython(raws: Buffer[]): Promise<Parsed[]> {
  const child = spawn("python3", ["-c", parserScript], { stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c));
  child.stderr.on("data", (c: Buffer) => err.push(c));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  child.stdin.end(JSON.stringify(raws.map((r) => r.toString("base64"))));
  const code = await exit;
  assert.equal(code, 0, `python3 failed: ${Buffer.concat(err).toString()}`);
  return JSON.parse(Buffer.concat(out).toString()) as Parsed[];
}

/**
 * Lines of a raw message that break RFC 5322's syntax: a bare CR or LF, or more than 998 octets
 * before CRLF.
 */
function lineViolations(raw: Buffer): string[] {
  const violations: string[] = [];
  let start = 0;
  let line = 1;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (byte === 0x0d && raw[i + 1] === 0x0a) {
      if (i - start > 998) violations.push(`line ${line} has ${i - start} octets`);
      i++;
      start = i + 1;
      line++;
    } else if (byte === 0x0d || byte === 0x0a) {
      violations.push(
        `line ${line} has a bare ${byte === 0x0d ? "CR" : "LF"} at octet ${i - start}`,
      );
    }
  }
  if (raw.length - start > 998) violations.push(`last line has ${raw.length - start} octets`);
  return violations;
}

/** Offset of the first header-section byte that is not printable ASCII (or tab, CR, LF), or -1. */
function nonAsciiHeaderOffset(raw: Buffer): number {
  const end = raw.indexOf("\r\n\r\n");
  return [...raw.subarray(0, end < 0 ? raw.length : end)].findIndex(
    (b) => b > 0x7e || (b < 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09),
  );
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

// Every byte value, then random bytes: CR, LF, NUL and a lone "." must all survive the transfer
// encoding.
const binary = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  randomBytes(4096),
]);
const pdfLike = Buffer.from("%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n.\r\n..\r\n", "latin1");
const subject =
  "Grüße — 你好 👋 (Ünïcödé subject long enough that it must be folded across several encoded words: ÄÖÜ äöü ß €)";
const text = `Hallo Jürgen,\n\nGrüße aus Köln — 你好，世界 👋\n.\nA line that starts with a dot, above, and a very long one below:\n${"Ünïcödé ".repeat(200)}\n`;
const html = `<!doctype html><html><body><p>Grüße — <b>你好</b> 👋</p><p>${"€ long line without breaks ".repeat(80)}</p></body></html>`;
const attachments = [
  { filename: "Prüfbericht – 東京 📎.bin", contentType: "application/octet-stream", data: binary },
  { filename: "résumé.pdf", contentType: "application/pdf", data: pdfLike },
];
const recipients = [
  "Jürgen Müller <juergen@example.com>",
  '"Doe, Jane" <jane@example.org>',
  "plain@example.net",
];

function newsletter(to: string, campaign: string): Message {
  return create(MessageSchema, {
    channel: Channel.EMAIL,
    from: { kind: { case: "email", value: "Zoë from Acme <news@acme.test>" } },
    to: { kind: { case: "email", value: to } },
    content: { subject, text, html, attachments },
    metadata: { campaign },
  });
}

/**
 * Waits for the message to be handed over; the route has no log hook, so SUBMITTED is as far as it
 * goes.
 */
async function untilSubmitted(api: Clients, id: string, timeoutMs = 5000): Promise<Message> {
  let last: Message | undefined;
  return poll(
    async () => {
      last = (await api.messages.getMessage({ id })).message;
      return last && last.status !== MessageStatus.ACCEPTED && last.status !== MessageStatus.QUEUED
        ? last
        : undefined;
    },
    () => `message ${id} still ${MessageStatus[last?.status ?? 0]} after ${timeoutMs} ms`,
    timeoutMs,
  );
}

describe("injected emails are well formed, by an independent SMTP server and Python's email parser", () => {
  let server: Awaited<ReturnType<typeof startCapturingServer>>;
  let gw: TestGateway;
  const sent: { message: Message; to: string; tenant: string; campaign: string }[] = [];
  let parsed: Parsed[];
  let raws: Buffer[];

  before(async () => {
    server = await startCapturingServer();
    gw = await startTestGateway({
      routes: [
        {
          name: "mail",
          channel: "email",
          adapter: "smtp",
          retry: { maxAttempts: 1 },
          config: {
            smtp: {
              port: server.port,
              starttls: "never",
              reconnect: { initialMs: 20, maxMs: 200 },
            },
            from: "Hermes Test <noreply@hermes.test>",
          },
        },
      ],
    });
    await untilAdapterState(gw.gateway.router.routes[0].adapter, RouteState.UP);
    const tenants = [
      { api: clients(gw.gateway.url, keys.all), tenant: "acme" },
      { api: clients(gw.gateway.url, keys.otherTenant), tenant: "globex" },
    ];
    // One recipient per message in Hermes's model: several recipients are several messages, from
    // two tenants.
    for (const [i, to] of recipients.entries()) {
      const { api, tenant } = tenants[i % tenants.length];
      const campaign = `frühling-${i}`;
      const { message } = await api.messages.send({ message: newsletter(to, campaign) });
      const submitted = await untilSubmitted(api, message!.id);
      assert.equal(
        submitted.status,
        MessageStatus.SUBMITTED,
        `${to}: ${submitted.error?.message ?? ""}`,
      );
      sent.push({ message: submitted, to, tenant, campaign });
    }
    raws = server.captured.map((c) => c.raw);
    parsed = await parseWithPython(raws);
  });
  after(async () => {
    await gw?.close();
    await server?.close();
  });

  test("each message is one transaction with one envelope recipient, acknowledged by the server's spool id", () => {
    assert.equal(server.captured.length, recipients.length);
    for (const [i, { message, to }] of sent.entries()) {
      const capture = server.captured[i];
      assert.equal(capture.mailFrom, "news@acme.test", "MAIL FROM is the message's From address");
      assert.deepEqual(capture.rcptTo, [/<(.+)>/.exec(to)?.[1] ?? to]);
      assert.equal(
        message.providerMessageId,
        capture.spoolId,
        "the driver read the id from the 250 OK ids= reply",
      );
    }
  });

  test("only CRLF line endings, no line over 998 octets, ASCII-only headers", () => {
    for (const [i, raw] of raws.entries()) {
      assert.deepEqual(lineViolations(raw), [], `message ${i}`);
      assert.ok(
        raw.indexOf("\r\n\r\n") > 0,
        `message ${i} has a header section ended by an empty line`,
      );
      const offset = nonAsciiHeaderOffset(raw);
      assert.equal(
        offset,
        -1,
        `message ${i}: header byte ${offset} is not printable ASCII (the server was not asked for SMTPUTF8)`,
      );
    }
  });

  test("Python's parser finds no defect in the message, its headers or any part", () => {
    for (const [i, p] of parsed.entries()) {
      assert.deepEqual(p.defects, [], `message ${i}`);
      assert.deepEqual(p.headerDefects, {}, `message ${i}`);
      for (const part of p.parts)
        assert.deepEqual(part.defects, [], `message ${i}, part ${part.contentType}`);
    }
  });

  test("required headers are present and decode to what was sent", () => {
    for (const [i, { message, to, tenant, campaign }] of sent.entries()) {
      const h = parsed[i].headers;
      assert.equal(h.Subject, subject);
      assert.equal(h.From, "Zoë from Acme <news@acme.test>");
      assert.equal(h.To, to);
      assert.match(h["Message-ID"] ?? "", /^<[^<>\s@]+@[^<>\s@]+>$/);
      assert.ok(h.Date && !Number.isNaN(Date.parse(h.Date)), `a valid Date: ${h.Date}`);
      assert.equal(h["MIME-Version"], "1.0");
      assert.equal(h["X-Tenant"], tenant);
      assert.equal(h["X-Campaign"], campaign);
      assert.equal(h["X-Hermes-Message-Id"], message.id);
    }
  });

  test("text and HTML bodies decode to what was sent, in UTF-8", () => {
    for (const [i, p] of parsed.entries()) {
      assert.equal(p.contentType, "multipart/mixed", `message ${i}`);
      assert.equal(p.textCharset, "utf-8");
      assert.equal(p.htmlCharset, "utf-8");
      // The parser gives CRLF-normalised text back as "\n"; what was sent uses "\n" already.
      assert.equal(p.text, text);
      assert.equal(p.html?.replace(/\n$/, ""), html);
    }
  });

  test("the checks above catch a malformed message (so they can fail)", async () => {
    const malformed = Buffer.from(
      'Subject: caf\u00e9\r\nTo: <broken@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        `--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@\n${"x".repeat(1000)}\r\n`,
    );
    assert.deepEqual(lineViolations(malformed), [
      "line 10 has a bare LF at octet 3",
      "line 10 has 1004 octets",
    ]);
    assert.equal(nonAsciiHeaderOffset(malformed), 12);
    const [p] = await parseWithPython([malformed]);
    assert.deepEqual(p.defects, ["CloseBoundaryNotFoundDefect: "]);
    assert.ok(p.headerDefects.To?.length, JSON.stringify(p.headerDefects));
    assert.ok(
      p.parts.some((part) => part.defects.some((d) => d.startsWith("InvalidBase64"))),
      JSON.stringify(p.parts),
    );
  });

  test("attachments keep their non-ASCII filenames, content types and exact bytes", () => {
    for (const [i, p] of parsed.entries()) {
      assert.deepEqual(
        p.attachments,
        attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          sha256: sha256(a.data),
          size: a.data.length,
        })),
        `message ${i}`,
      );
    }
  });
});

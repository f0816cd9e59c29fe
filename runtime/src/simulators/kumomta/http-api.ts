import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { readBody } from "../../server/read-body.js";
import { planFor, type Mix } from "./outcomes.js";
import type { Spool } from "./spool.js";

export interface HttpApiOptions {
  /**
   * HTTP Basic users (user → password), as http_server_validate_auth_basic would accept; none means
   * no auth.
   */
  readonly authUsers?: Readonly<Record<string, string>>;
  readonly mix?: Mix;
}

interface InjectRecipient {
  email: string;
  name?: string;
  substitutions?: Record<string, unknown>;
}

/**
 * KumoMTA's HTTP listener, the parts Hermes uses: `POST /api/inject/v1`
 * (InjectV1Request in, InjectV1Response out) and `GET /metrics`
 * (Prometheus text).
 */
export function createHttpApi(
  spool: Spool,
  options: HttpApiOptions,
  counters: () => Record<string, number>,
): Server {
  return createServer((req, res) => {
    void handle(req, res).catch((reason) =>
      send(res, 500, "text/plain", `internal error: ${String(reason)}\n`),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      const lines = Object.entries(counters()).flatMap(([name, value]) => [
        `# TYPE ${name} counter`,
        `${name}{service="kumod"} ${value}`,
      ]);
      return send(res, 200, "text/plain; version=0.0.4", `${lines.join("\n")}\n`);
    }
    if (path !== "/api/inject/v1") return send(res, 404, "text/plain", "Not Found\n");
    if (req.method !== "POST") return send(res, 405, "text/plain", "Method Not Allowed\n");
    if (!authorized(req)) return send(res, 401, "text/plain", "Unauthorized\n");
    // No size limit: the stand-in takes whatever a test sends, so readBody always returns the body.
    const body = (await readBody(req, Number.POSITIVE_INFINITY))!;
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(Buffer.from(body).toString("utf8")) as Record<string, unknown>;
    } catch (reason) {
      return send(
        res,
        400,
        "text/plain",
        `Failed to parse the request body as JSON: ${(reason as Error).message}\n`,
      );
    }
    const problem = validate(request);
    if (problem)
      return send(
        res,
        422,
        "text/plain",
        `Failed to deserialize the JSON body into the target type: ${problem}\n`,
      );
    const recipients = request.recipients as InjectRecipient[];
    const result = {
      success_count: 0,
      fail_count: 0,
      failed_recipients: [] as string[],
      errors: [] as string[],
    };
    const peer = { name: "http", addr: req.socket.remoteAddress ?? "127.0.0.1" };
    for (const recipient of recipients) {
      const plan = planFor(recipient.email, options.mix);
      const refused = plan.atRcpt ?? plan.atData;
      if (refused) {
        result.fail_count++;
        result.failed_recipients.push(recipient.email);
        result.errors.push(`${recipient.email}: ${refused.code} ${refused.text}`);
        continue;
      }
      const raw = await compose(request, recipient);
      spool.accept({
        sender: request.envelope_sender as string,
        recipient: recipient.email,
        raw,
        protocol: "HTTP",
        peer,
        plan,
      });
      result.success_count++;
    }
    send(res, 200, "application/json", JSON.stringify(result));
  }

  function authorized(req: IncomingMessage): boolean {
    const users = options.authUsers;
    if (!users || Object.keys(users).length === 0) return true;
    const match = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
    if (!match) return false;
    const [user, ...rest] = Buffer.from(match[1], "base64").toString("utf8").split(":");
    return users[user] !== undefined && users[user] === rest.join(":");
  }
}

function validate(request: Record<string, unknown>): string | undefined {
  if (typeof request.envelope_sender !== "string" || !request.envelope_sender.includes("@"))
    return "envelope_sender: missing field or not an email address";
  const recipients = request.recipients;
  if (!Array.isArray(recipients) || recipients.length === 0)
    return "recipients: missing field or empty";
  for (const [i, r] of recipients.entries()) {
    if (typeof r !== "object" || r === null || typeof (r as InjectRecipient).email !== "string")
      return `recipients[${i}].email: missing field`;
  }
  const content = request.content;
  if (typeof content !== "string" && (typeof content !== "object" || content === null))
    return "content: missing field";
  return undefined;
}

/**
 * Renders the message KumoMTA would build: a raw RFC 822 string as is, or a built Content (with
 * naive {{ var }} substitution).
 */
async function compose(
  request: Record<string, unknown>,
  recipient: InjectRecipient,
): Promise<Buffer> {
  const content = request.content as string | Record<string, unknown>;
  const variables: Record<string, unknown> = {
    ...(request.substitutions as object | undefined),
    ...recipient.substitutions,
    email: recipient.email,
    name: recipient.name,
  };
  const render = (text: unknown) =>
    typeof text === "string"
      ? text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) =>
          String(variables[name] ?? ""),
        )
      : undefined;
  if (typeof content === "string") return Buffer.from(render(content)!.replace(/\r?\n/g, "\r\n"));
  const from = content.from as { email: string; name?: string } | undefined;
  const headers = Object.fromEntries(
    Object.entries((content.headers as Record<string, string>) ?? {}).map(([k, v]) => [
      k,
      render(v)!,
    ]),
  );
  const attachments = ((content.attachments as Array<Record<string, unknown>>) ?? []).map((a) => ({
    content: a.base64 ? Buffer.from(String(a.data), "base64") : String(a.data),
    contentType: a.content_type as string | undefined,
    filename: a.file_name as string | undefined,
    cid: a.content_id as string | undefined,
  }));
  const composer = new MailComposer({
    from: from ? { name: from.name ?? "", address: from.email } : undefined,
    to: { name: recipient.name ?? "", address: recipient.email },
    subject: render(content.subject) ?? "",
    text: render(content.text_body),
    html: render(content.html_body),
    headers,
    attachments,
  });
  return composer.compile().build();
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(body);
}

import type { Message } from "../../gen/hermes/v1/message_pb.js";
import type { SmtpDriverConfig } from "./config.js";

/** A mailbox split into its parts: "Ann <ann@example.com>" → name Ann, address ann@example.com. */
export interface Mailbox {
  readonly name?: string;
  readonly address: string;
}

/** What both injection paths send: addresses, headers, bodies, attachments. */
export interface OutgoingMail {
  readonly envelopeSender: string;
  readonly recipient: string;
  readonly from: Mailbox;
  readonly to: Mailbox;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  /** Hermes id, tenant and campaign headers, in the names KumoMTA's policy expects. */
  readonly headers: Readonly<Record<string, string>>;
  readonly attachments: ReadonlyArray<{
    filename: string;
    contentType: string;
    content: Uint8Array;
    cid?: string;
  }>;
  /** Template variables, for HTTP injection's substitutions. */
  readonly substitutions?: Readonly<Record<string, string>>;
}

/** Why a message cannot become an email; the send fails permanently with it. */
export class UnsendableMessage extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Builds the email for a message, from the route's defaults where the message is silent. */
export function buildMail(message: Message, config: SmtpDriverConfig): OutgoingMail {
  const to = message.to?.kind.case === "email" ? parseMailbox(message.to.kind.value) : undefined;
  if (!to) throw new UnsendableMessage("to must be an email address", "to");
  const fromText = message.from?.kind.case === "email" ? message.from.kind.value : config.from;
  const from = fromText ? parseMailbox(fromText) : undefined;
  if (!from)
    throw new UnsendableMessage(
      "no sender: set the message's from (email) or the route's config.from",
      "from",
    );
  const content = message.content;
  const text = content?.text || undefined;
  const html = content?.html || undefined;
  if (!text && !html)
    throw new UnsendableMessage(
      "email needs content.text or content.html (templates are rendered by KumoMTA only through their text/html bodies)",
      "content",
    );
  const headers: Record<string, string> = {
    [config.headers.messageId]: message.id,
    [config.headers.tenant]: message.tenant,
  };
  const campaign = message.metadata[config.campaignMetadataKey];
  if (campaign) headers[config.headers.campaign] = campaign;
  return {
    envelopeSender: config.envelopeSender ?? from.address,
    recipient: to.address,
    from,
    to,
    subject: content?.subject ?? "",
    text,
    html,
    headers,
    attachments: (content?.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType || "application/octet-stream",
      content: a.data,
      cid: a.contentId || undefined,
    })),
    substitutions:
      content?.template && Object.keys(content.template.variables).length > 0
        ? content.template.variables
        : undefined,
  };
}

/** Parses "addr", "<addr>" or "Display Name <addr>" (quotes around the name allowed). */
export function parseMailbox(text: string): Mailbox | undefined {
  const trimmed = text.trim();
  const angled = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(trimmed);
  if (angled) {
    const name = angled[1].replace(/^"(.*)"$/, "$1").trim();
    return name ? { name, address: angled[2] } : { address: angled[2] };
  }
  return /^[^<>\s@]+@[^<>\s@]+$/.test(trimmed) ? { address: trimmed } : undefined;
}

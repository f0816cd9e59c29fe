import type { Socket } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { planFor, type Mix, type Plan } from "./outcomes.js";
import { selfSignedCertificate, selfSignedKey } from "./self-signed.js";
import type { Spool } from "./spool.js";

export interface SmtpListenerOptions {
  /** EHLO/greeting name. */
  readonly hostname: string;
  /** Offer STARTTLS (KumoMTA does, with a self-signed certificate unless configured). */
  readonly starttls: boolean;
  /**
   * PEM key and certificate; a self-signed pair (self-signed.ts) when absent, as KumoMTA makes one.
   */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** AUTH PLAIN users (user → password); an authenticated client may relay from anywhere. */
  readonly authUsers?: Readonly<Record<string, string>>;
  /** Peers allowed to relay without AUTH (KumoMTA's relay_hosts: loopback by default). */
  readonly relayHosts: readonly string[];
  readonly maxMessageSize: number;
  readonly maxRecipientsPerMessage: number;
  readonly maxMessagesPerConnection: number;
  readonly mix?: Mix;
}

interface SessionState {
  plans: Map<string, Plan>;
  messages: number;
}

/**
 * Refusal with KumoMTA's wording; smtp-server adds no enhanced code of its own
 * (hideENHANCEDSTATUSCODES).
 */
function refusal(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * An ESMTP listener that answers like KumoMTA's: `250 OK ids=<spool id>` at
 * the end of DATA, relaying only for relay_hosts (loopback) or authenticated
 * clients, "451 4.5.3 too many recipients", "552 5.3.4 message too big",
 * "535 5.7.8 AUTH invalid", STARTTLS before AUTH PLAIN.
 */
export function createSmtpListener(spool: Spool, options: SmtpListenerOptions): SMTPServer {
  const states = new WeakMap<SMTPServerSession, SessionState>();
  const stateOf = (session: SMTPServerSession): SessionState => {
    let state = states.get(session);
    if (!state) {
      state = { plans: new Map(), messages: 0 };
      states.set(session, state);
    }
    return state;
  };
  const users = options.authUsers ?? {};
  const hasUsers = Object.keys(users).length > 0;
  const disabled = [...(options.starttls ? [] : ["STARTTLS"]), ...(hasUsers ? [] : ["AUTH"])];
  const dropped = new Set<string>();
  /** Cuts a session's connection without a reply (smtp-server keeps its connections in a set). */
  const cut = (session: SMTPServerSession) => {
    for (const connection of (
      server as unknown as { connections: Set<{ session: SMTPServerSession; _socket: Socket }> }
    ).connections) {
      if (connection.session === session) connection._socket.destroy();
    }
  };
  const server = new SMTPServer({
    name: options.hostname,
    banner: "KumoMTA",
    logger: false,
    // On close, connections still open get "421 ... shutting down" after this grace, as KumoMTA's
    // do.
    closeTimeout: 100,
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: true,
    hideDSN: true,
    disabledCommands: disabled,
    authMethods: ["PLAIN"],
    authOptional: true,
    allowInsecureAuth: false,
    key: options.tls?.key ?? selfSignedKey,
    cert: options.tls?.cert ?? selfSignedCertificate,
    onAuth(auth, _session, callback) {
      if (
        auth.method === "PLAIN" &&
        auth.username &&
        users[auth.username] !== undefined &&
        users[auth.username] === auth.password
      ) {
        callback(null, { user: auth.username });
        return;
      }
      callback(refusal(535, "5.7.8 AUTH invalid"));
    },
    onRcptTo(address, session, callback) {
      const state = stateOf(session);
      const relayAllowed =
        options.relayHosts.includes(session.remoteAddress) || Boolean(session.user);
      if (!relayAllowed)
        return callback(
          refusal(
            550,
            `5.7.1 relaying not permitted for ${session.remoteAddress}:${session.remotePort}`,
          ),
        );
      if (session.envelope.rcptTo.length >= options.maxRecipientsPerMessage)
        return callback(refusal(451, "4.5.3 too many recipients"));
      if (state.messages >= options.maxMessagesPerConnection)
        return callback(refusal(451, "4.5.3 too many on this conn"));
      const plan = planFor(address.address, options.mix);
      if (plan.atRcpt) return callback(refusal(plan.atRcpt.code, plan.atRcpt.text));
      state.plans.set(address.address, plan);
      state.messages++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= options.maxMessageSize) chunks.push(chunk);
      });
      stream.on("end", () => {
        if (size > options.maxMessageSize) return callback(refusal(552, "5.3.4 message too big"));
        const state = stateOf(session);
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const plans = recipients.map((r) => state.plans.get(r) ?? planFor(r, options.mix));
        const drop = recipients.find((r, i) => plans[i].dropOnce && !dropped.has(r));
        if (drop) {
          dropped.add(drop);
          return cut(session);
        }
        const refused = plans.find((p) => p.atData)?.atData;
        if (refused) return callback(refusal(refused.code, refused.text));
        const raw = Buffer.concat(chunks);
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const peer = {
          name: session.hostNameAppearsAs || session.clientHostname,
          addr: session.remoteAddress,
        };
        const ids = recipients.map((recipient, i) =>
          spool.accept({ sender, recipient, raw, protocol: "ESMTP", peer, plan: plans[i] }),
        );
        callback(null, `OK ids=${ids.join(" ")}`);
      });
    },
  });
  return server;
}

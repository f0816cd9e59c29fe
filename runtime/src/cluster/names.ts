/**
 * The names of everything a gateway cluster keeps in NATS, derived from one
 * prefix, so that several clusters (or a test per process) can share a NATS
 * server without meeting. Streams and buckets take the prefix in upper case;
 * subjects in the case it is written.
 */
export interface ClusterNames {
  /** Bodies of accepted messages, one per subject `<messageSubject>.<id>`. */
  readonly messagesStream: string;
  readonly messageSubject: string;
  /** The event log: `<eventSubject>.<tenant>.<message id>`; its sequence is WatchEvents' cursor. */
  readonly eventsStream: string;
  readonly eventSubject: string;
  /** Work waiting for a route: `<workSubject>.<route>`, one pull consumer per route. */
  readonly workStream: string;
  readonly workSubject: string;
  readonly statesBucket: string;
  readonly idempotencyBucket: string;
  readonly correlationsBucket: string;
  /** An empty entry per accepted message, `<tenant>.<recipient hash>.<id>`: find by recipient. */
  readonly recipientsBucket: string;
  readonly leasesBucket: string;
  readonly nodesBucket: string;
  readonly pluginsBucket: string;
  readonly artifactsBucket: string;
  /** Suppression entries, by `<tenant>.<address>.<channel>` (each a token). */
  readonly suppressionsBucket: string;
  /** Their audit trail: `<suppressionChangeSubject>.<tenant>`. */
  readonly suppressionChangesStream: string;
  readonly suppressionChangeSubject: string;
}

export function clusterNames(prefix: string): ClusterNames {
  const upper = prefix.toUpperCase();
  return {
    messagesStream: `${upper}_MESSAGES`,
    messageSubject: `${prefix}.msg`,
    eventsStream: `${upper}_EVENTS`,
    eventSubject: `${prefix}.ev`,
    workStream: `${upper}_WORK`,
    workSubject: `${prefix}.work`,
    statesBucket: `${upper}_states`,
    idempotencyBucket: `${upper}_idempotency`,
    correlationsBucket: `${upper}_correlations`,
    recipientsBucket: `${upper}_recipients`,
    leasesBucket: `${upper}_leases`,
    nodesBucket: `${upper}_nodes`,
    pluginsBucket: `${upper}_plugins`,
    artifactsBucket: `${upper}_artifacts`,
    suppressionsBucket: `${upper}_suppressions`,
    suppressionChangesStream: `${upper}_SUPPRESSION_CHANGES`,
    suppressionChangeSubject: `${prefix}.supchg`,
  };
}

/** The string `token` made a token of. */
export function untoken(value: string): string {
  return value.startsWith("=") ? Buffer.from(value.slice(1), "base64url").toString("utf8") : value;
}

/**
 * A string as one token of a subject or a KV key: kept when it is made of
 * letters, digits, `_` and `-` (message ids, route names, most tenants);
 * otherwise `=` and its base64url, which no kept token can start with
 * (empty is `=` alone).
 */
export function token(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `=${Buffer.from(value, "utf8").toString("base64url")}`;
}

// The fixtures a plugin supplies to the conformance kit: plain JSON (a
// template's test/fixtures.json), so `hermes plugin test` can read them and
// a scaffolded plugin needs no TypeScript to describe its provider.

/** A provider's HTTP answer, as recorded from its documentation or a sandbox. */
export interface RecordedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What one request of a send must look like; every given field is checked. */
export interface ExpectedRequest {
  readonly method?: string;
  /** The exact URL, or a regular expression when it starts with "^". */
  readonly url?: string;
  /** Headers (names case-insensitive) and their exact values. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Substrings the body must contain. */
  readonly bodyIncludes?: readonly string[];
  /** The body parsed as JSON must contain this (objects compared member by member, recursively). */
  readonly bodyJson?: unknown;
  /** The body parsed as a form must have these fields with these values. */
  readonly bodyForm?: Readonly<Record<string, string>>;
}

export type OutcomeKind = "submitted" | "permanent" | "retryable";

export interface ExpectedOutcome {
  readonly outcome: OutcomeKind;
  readonly providerMessageId?: string;
  /** ErrorCode name without its prefix, e.g. "PROVIDER_REJECTED". */
  readonly code?: string;
  readonly providerCode?: string;
  readonly retryAfterMs?: number;
  /** A substring of the error message (the provider's reason should reach the user). */
  readonly messageIncludes?: string;
}

/**
 * One send, replayed offline: the plugin's requests are checked, the recorded answers handed back.
 */
export interface SendCase {
  readonly name: string;
  /** A hermes.v1.Message in its protobuf JSON form. */
  readonly message: Readonly<Record<string, unknown>>;
  /** Overrides of the kit's config for this case. */
  readonly config?: Readonly<Record<string, string>>;
  readonly attempt?: number;
  /**
   * The tenant the case runs as, which scopes the plugin's KV store. Each
   * case has its own by default; cases naming the same tenant share what
   * they store (e.g. a cached OAuth token), in the order they are listed.
   */
  readonly tenant?: string;
  /** One recorded answer per HTTP step, in order. */
  readonly responses: readonly RecordedResponse[];
  /** Expectations of the request of each step, in order (optional). */
  readonly requests?: readonly ExpectedRequest[];
  readonly expect: ExpectedOutcome;
}

export interface ExpectedEvent {
  readonly providerMessageId: string;
  /**
   * MessageStatus name without its prefix ("DELIVERED"); omitted for events that carry no status.
   */
  readonly status?: string;
  readonly errorCode?: string;
  readonly providerCode?: string;
}

/** One provider webhook as the gateway would receive it. */
export interface WebhookCase {
  readonly name: string;
  readonly request: {
    readonly method?: string;
    /** Path and query as received. */
    readonly url: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    /** The externally visible URL (signature schemes that sign it). */
    readonly publicUrl?: string;
  };
  readonly config?: Readonly<Record<string, string>>;
  /**
   * The webhook is signed: the kit also delivers a copy with the body
   * altered and expects it refused (4xx, no events).
   */
  readonly signed?: boolean;
  readonly expect: {
    readonly status: number;
    /** Exactly these events, in order (checked when given). */
    readonly events?: readonly ExpectedEvent[];
    readonly replyBodyIncludes?: string;
  };
}

/** A config the plugin must refuse, and the fields its problems must name. */
export interface BadConfigCase {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
  readonly fields: readonly string[];
}

export interface ConformanceCases {
  readonly badConfigs?: readonly BadConfigCase[];
  readonly sends?: readonly SendCase[];
  readonly webhooks?: readonly WebhookCase[];
}

/** A template's test/fixtures.json: a working config plus the cases. */
export interface ConformanceFixtures extends ConformanceCases {
  readonly config: Readonly<Record<string, string>>;
}

// A local stand-in for Google's OAuth2 token endpoint and FCM HTTP v1:
// POST /token takes a service-account JWT (RS256, checked against the
// account's public key, audience and scope) and answers an access token;
// POST /v1/projects/{project}/messages:send with that Bearer token answers
// {"name": …}, or FCM's error JSON (UNREGISTERED for a token it was told
// is gone).
import { createVerify, randomBytes, type KeyObject } from "node:crypto";
import { HttpSink } from "../support/http-sink.js";

export class FcmMock {
  readonly sink = new HttpSink();
  /** Access tokens handed out and still valid. */
  readonly tokens = new Set<string>();
  readonly unregistered = new Set<string>();
  tokenRequests = 0;
  #count = 0;
  #baseUrl = "";

  constructor(
    readonly projectId: string,
    readonly clientEmail: string,
    readonly publicKey: KeyObject,
  ) {
    this.sink.answer = (request) => {
      if (request.method === "POST" && request.url === "/token") return this.#token(request.body);
      if (
        request.method === "POST" &&
        request.url === `/v1/projects/${this.projectId}/messages:send`
      )
        return this.#send(request.headers.authorization ?? "", request.body);
      return { status: 404, body: fcmError(404, "NOT_FOUND", "Not found", "UNSPECIFIED_ERROR") };
    };
  }

  async start(): Promise<string> {
    this.#baseUrl = await this.sink.start();
    return this.#baseUrl;
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  /** Revokes every access token handed out so far (an early revocation). */
  revokeAll(): void {
    this.tokens.clear();
  }

  #token(body: string) {
    this.tokenRequests++;
    const form = new URLSearchParams(body);
    const jwt = form.get("assertion") ?? "";
    const [header, claims, signature] = jwt.split(".");
    const invalid = (description: string) => ({
      status: 400,
      body: JSON.stringify({ error: "invalid_grant", error_description: description }),
    });
    if (
      form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer" ||
      !header ||
      !claims ||
      !signature
    )
      return invalid("Invalid grant: not a JWT bearer assertion.");
    const verified = createVerify("RSA-SHA256")
      .update(`${header}.${claims}`)
      .verify(this.publicKey, Buffer.from(signature, "base64url"));
    if (!verified) return invalid("Invalid JWT Signature.");
    const payload = JSON.parse(Buffer.from(claims, "base64url").toString()) as {
      iss?: string;
      aud?: string;
      scope?: string;
      iat?: number;
      exp?: number;
    };
    if (
      payload.iss !== this.clientEmail ||
      payload.aud !== `${this.#baseUrl}/token` ||
      payload.scope !== "https://www.googleapis.com/auth/firebase.messaging"
    )
      return invalid("Invalid JWT: claims.");
    if (!payload.iat || !payload.exp || payload.exp - payload.iat > 3600)
      return invalid("Invalid JWT: Token must be a short-lived token (60 minutes).");
    const token = `ya29.${randomBytes(12).toString("hex")}`;
    this.tokens.add(token);
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ access_token: token, expires_in: 3599, token_type: "Bearer" }),
    };
  }

  #send(authorization: string, body: string) {
    if (!this.tokens.has(authorization.replace(/^Bearer /, ""))) {
      return {
        status: 401,
        body: JSON.stringify({
          error: {
            code: 401,
            message: "Request had invalid authentication credentials.",
            status: "UNAUTHENTICATED",
          },
        }),
      };
    }
    const { message } = JSON.parse(body) as { message?: { token?: string } };
    if (!message?.token)
      return {
        status: 400,
        body: fcmError(
          400,
          "INVALID_ARGUMENT",
          "Request contains an invalid argument.",
          "INVALID_ARGUMENT",
        ),
      };
    if (this.unregistered.has(message.token))
      return {
        status: 404,
        body: fcmError(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
      };
    return {
      status: 200,
      body: JSON.stringify({
        name: `projects/${this.projectId}/messages/0:${Date.now()}%${++this.#count}`,
      }),
    };
  }
}

function fcmError(code: number, status: string, message: string, errorCode: string): string {
  return JSON.stringify({
    error: {
      code,
      message,
      status,
      details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }],
    },
  });
}

import type { Api } from "./api.js";

/** Who is signed in and what the key allows, from AuthService.WhoAmI. */
export interface Session {
  readonly api: Api;
  readonly tenant: string;
  readonly keyName: string;
  /** read or admin scope: messages, events and the plugin lists. */
  readonly canRead: boolean;
  /** admin scope: health, and changes to plugins. */
  readonly isAdmin: boolean;
}

/** A page on screen; `stop` ends its polling or stream when another page replaces it. */
export interface Page {
  readonly element: HTMLElement;
  stop(): void;
}

/** A page's entry: what it needs of the key, and how to build it from the hash's parameters. */
export interface PageEntry {
  readonly title: string;
  readonly needs: "read" | "admin";
  open(session: Session, params: URLSearchParams): Page;
}

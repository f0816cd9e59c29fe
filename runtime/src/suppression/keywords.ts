/** What an inbound keyword asks for: to stop on its channel, on every channel, or to start again. */
export type KeywordAction = "stop" | "stopAll" | "start";

/** One language's keywords. */
export interface LanguageKeywords {
  readonly stop: readonly string[];
  readonly stopAll: readonly string[];
  readonly start: readonly string[];
}

/** English, as carriers and CTIA expect: STOP and UNSUBSCRIBE, STOPALL, START and UNSTOP. */
export const defaultKeywords: Readonly<Record<string, LanguageKeywords>> = {
  en: { stop: ["STOP", "UNSUBSCRIBE"], stopAll: ["STOPALL"], start: ["START", "UNSTOP"] },
};

/**
 * Recognises opt-out and opt-in keywords in inbound text. The whole message
 * must be the keyword, compared without case, accents, surrounding spaces or
 * punctuation ("Stop.", " arrêt " for ARRET): "please stop texting me at
 * night" is a message for a person, not an opt-out. Every configured
 * language is active at once; an inbound message does not say its language.
 */
export class KeywordMatcher {
  readonly #actions = new Map<string, KeywordAction>();

  /** Throws when one keyword is given two actions (in one language or across languages). */
  constructor(languages: Readonly<Record<string, LanguageKeywords>>) {
    for (const [language, keywords] of Object.entries(languages)) {
      for (const action of ["stop", "stopAll", "start"] as const) {
        for (const keyword of keywords[action]) {
          const key = normalize(keyword);
          const known = this.#actions.get(key);
          if (known && known !== action)
            throw new Error(`keyword "${keyword}" (${language}) is both ${known} and ${action}`);
          this.#actions.set(key, action);
        }
      }
    }
  }

  match(text: string | undefined): KeywordAction | undefined {
    // Keywords are short: a long text is never one, and is not normalised.
    if (!text || text.length > 40) return undefined;
    return this.#actions.get(normalize(text));
  }
}

function normalize(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/^[\p{P}\p{Z}\s]+|[\p{P}\p{Z}\s]+$/gu, "")
    .replace(/\s+/g, " ")
    .toUpperCase();
}

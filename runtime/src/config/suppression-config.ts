import { defaultKeywords, KeywordMatcher, type LanguageKeywords } from "../suppression/keywords.js";
import { configReaders, type InvalidConfig } from "./config-readers.js";

/** What the suppression lists listen for (docs/suppression.md). */
export interface SuppressionConfig {
  /**
   * Inbound keywords by language: `stop` suppresses the sender on the
   * channel it wrote on, `stopAll` on every channel, `start` removes its
   * opt-outs. Languages given replace the defaults of the same language
   * (English: STOP, UNSUBSCRIBE; STOPALL; START, UNSTOP); an empty list
   * turns that action off for the language.
   */
  readonly keywords: Readonly<Record<string, LanguageKeywords>>;
}

/** Reads `suppression` over the defaults, naming the field at fault. */
export function parseSuppression(raw: unknown, invalid: InvalidConfig): SuppressionConfig {
  const { object, array, string } = configReaders(invalid);
  const keywords: Record<string, LanguageKeywords> = { ...defaultKeywords };
  for (const [language, value] of Object.entries(
    object(object(raw, "suppression").keywords, "suppression.keywords"),
  )) {
    const at = `suppression.keywords.${language}`;
    const section = object(value, at);
    const words = (action: keyof LanguageKeywords) =>
      array(section[action], `${at}.${action}`).map((w, i) => {
        const word = string(w, `${at}.${action}[${i}]`)!.trim();
        if (!word) throw invalid(`${at}.${action}[${i}]`, "must not be empty");
        return word;
      });
    keywords[language] = { stop: words("stop"), stopAll: words("stopAll"), start: words("start") };
  }
  try {
    new KeywordMatcher(keywords);
  } catch (reason) {
    throw invalid("suppression.keywords", (reason as Error).message);
  }
  return { keywords };
}

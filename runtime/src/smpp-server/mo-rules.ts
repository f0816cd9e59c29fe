import type { MoRule } from "./config.js";

/**
 * The account an MO message goes to: the first rule (in config order) whose
 * numbers match its destination, exactly or by a prefix ending in "*", and
 * whose keywords match its first word, without case; a rule without numbers
 * matches any destination, one without keywords any text. Numbers compare
 * as digits, so "+4477..." and "4477..." are the same. Undefined: no
 * account owns it (it stays an INBOUND event for the API).
 */
export function moAccount(rules: readonly MoRule[], to: string, text: string): string | undefined {
  const destination = digits(to);
  const firstWord = (/^\s*(\S+)/.exec(text)?.[1] ?? "").toUpperCase();
  for (const rule of rules) {
    const numberMatches =
      rule.numbers.length === 0 ||
      rule.numbers.some((number) =>
        number.endsWith("*")
          ? destination.startsWith(digits(number.slice(0, -1)))
          : destination === digits(number),
      );
    const keywordMatches =
      rule.keywords.length === 0 || rule.keywords.some((k) => k.toUpperCase() === firstWord);
    if (numberMatches && keywordMatches) return rule.account;
  }
  return undefined;
}

function digits(number: string): string {
  return number.replace(/^\+/, "");
}

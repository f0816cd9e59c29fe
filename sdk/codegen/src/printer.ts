/** Accumulates generated source lines. */
export class Printer {
  readonly #lines: string[] = [];

  line(text: string): void {
    this.#lines.push(text);
  }

  /** A proto comment as a `//` block, if there is one. */
  comment(text: string | undefined, indent = ""): void {
    if (!text) return;
    const lines = text.replace(/\n$/, "").split("\n");
    for (const l of lines)
      this.#lines.push(`${indent}//${l.length > 0 && !l.startsWith(" ") ? " " : ""}${l}`.trimEnd());
  }

  toString(): string {
    return `${this.#lines.join("\n")}\n`;
  }
}

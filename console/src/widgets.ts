import { type Child, h } from "./dom.js";

type Tone = "good" | "warn" | "bad" | "info" | "quiet";

const tones: Readonly<Record<string, Tone>> = {
  DELIVERED: "good",
  ACTIVE: "good",
  UP: "good",
  RUNNING: "good",
  ACCEPTED: "info",
  SUBMITTED: "info",
  QUEUED: "warn",
  TIMED_OUT: "warn",
  DEGRADED: "warn",
  RESTARTING: "warn",
  STARTING: "warn",
  FAILED: "bad",
  EXPIRED: "bad",
  REJECTED: "bad",
  DOWN: "bad",
  STOPPED: "quiet",
};

/** A state or status as a coloured label (data-state carries it for tests and styles). */
export function badge(text: string): HTMLElement {
  return h("span", { class: `badge ${tones[text] ?? "quiet"}`, "data-state": text }, text);
}

export function table(headers: readonly string[], rows: readonly HTMLTableRowElement[]) {
  return h(
    "table",
    null,
    h("thead", null, h("tr", null, ...headers.map((header) => h("th", null, header)))),
    h("tbody", null, ...rows),
  );
}

export function row(cells: readonly Child[], attributes: Record<string, string> = {}) {
  return h("tr", attributes, ...cells.map((cell) => h("td", null, cell)));
}

/** Key/value pairs, e.g. an event's detail. */
export function pairs(entries: ReadonlyArray<readonly [string, Child]>): HTMLElement {
  return h(
    "dl",
    { class: "pairs" },
    ...entries.flatMap(([key, value]) => [h("dt", null, key), h("dd", null, value)]),
  );
}

/** A line saying what went wrong, in place of the data. */
export function problem(text: string): HTMLElement {
  return h("p", { class: "problem", role: "alert" }, text);
}

/**
 * Asks before a change, in a modal dialog; resolves true when the operator
 * confirms.
 */
export function confirmAction(question: string, detail: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm" },
      h(
        "form",
        { method: "dialog" },
        h("h3", null, question),
        h("p", null, detail),
        h(
          "menu",
          null,
          h("button", { value: "cancel", type: "submit" }, "Cancel"),
          h("button", { value: "confirm", type: "submit", class: "danger" }, action),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "confirm");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

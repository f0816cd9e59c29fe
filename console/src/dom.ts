// The console builds its DOM node by node: text goes in as text, never as
// HTML, so nothing a message or a provider says can run as script (and the
// page's CSP closes every HTML sink to strings anyway).

export type Child = Node | string | number | bigint | null | undefined | false;
type Attribute = string | number | boolean | undefined | ((event: Event) => void);

/** An element with attributes ("on…" keys are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, Attribute>> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (typeof value === "boolean") element.toggleAttribute(name, value);
    else if (value !== undefined) element.setAttribute(name, String(value));
  }
  element.append(...nodes(children));
  return element;
}

/** Replaces what `element` shows. */
export function show(element: Element, ...children: Child[]): void {
  element.replaceChildren(...nodes(children));
}

function nodes(children: readonly Child[]): Node[] {
  const out: Node[] = [];
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    out.push(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return out;
}

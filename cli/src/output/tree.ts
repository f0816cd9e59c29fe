/**
 * Draws a tree with box-drawing guides, one node per line:
 *
 *   root
 *   ├── child
 *   │   └── grandchild
 *   └── child
 */
export function drawTree<N>(
  root: N,
  label: (node: N) => string,
  children: (node: N) => readonly N[],
): string {
  const lines = [label(root)];
  const walk = (node: N, prefix: string) => {
    const kids = children(node);
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${label(kid)}`);
      walk(kid, prefix + (last ? "    " : "│   "));
    });
  };
  walk(root, "");
  return lines.join("\n");
}

/** A column: the row key it shows and its header. */
export interface Column<R> {
  readonly key: keyof R & string;
  readonly name: string;
}

/**
 * Renders rows as a table with @oclif/table. Imported on first use: it brings
 * React and ink, which commands printing JSON or no table should not load.
 */
export async function renderTable<R extends Record<string, unknown>>(
  rows: R[],
  columns: readonly Column<R>[],
  title?: string,
): Promise<string> {
  const { makeTable } = await import("@oclif/table");
  return makeTable({
    data: rows,
    columns: columns.map((c) => ({ key: c.key, name: c.name })),
    title,
    headerOptions: { bold: true, formatter: (h: string) => h },
    borderStyle: "headers-only-with-underline",
    overflow: "wrap",
    // Wide detail columns wrap within the terminal (or 120 columns when piped).
    maxWidth: process.stdout.columns || 120,
  });
}

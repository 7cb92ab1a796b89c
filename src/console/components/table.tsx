import type { Child } from "hono/jsx";
import { useRequestContext } from "hono/jsx-renderer";
import type { ConsoleEnv } from "../env";

/** One column of a {@link DataTable}. */
export interface Column<Row> {
  header: string;
  /** The cell's content for `row` (text, a link, a `<Time>`, ...). */
  cell: (row: Row) => Child;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
}

/** Props of {@link DataTable}. */
export interface DataTableProps<Row> {
  /** The table's caption (its accessible name), e.g. "Deliveries". */
  caption: string;
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  /** Shown instead of the table when `rows` is empty. */
  empty?: string;
  /** `nextCursor` of the admin API page: renders a "Next page" link (see {@link Pager}). */
  nextCursor?: string | null;
}

/**
 * A list page's table: header cells with `scope="col"`, a caption, horizontal scrolling on narrow
 * screens, and cursor pagination underneath (the admin API's `nextCursor`).
 */
export function DataTable<Row>({
  caption,
  rows,
  columns,
  empty = "Nothing yet.",
  nextCursor,
}: DataTableProps<Row>) {
  return (
    <div>
      {rows.length === 0 ? (
        <p class="empty">{empty}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>{caption}</caption>
            <thead>
              <tr>
                {columns.map((col) => (
                  <th scope="col" class={col.numeric ? "num" : undefined}>
                    {col.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr>
                  {columns.map((col) => (
                    <td class={col.numeric ? "num" : undefined}>{col.cell(row)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager nextCursor={nextCursor ?? null} />
    </div>
  );
}

/**
 * Cursor pagination: "Next page" keeps the current URL's filters and sets `cursor` to the admin API's
 * `nextCursor`; "First page" drops the cursor. Pass a page's `cursor` query parameter straight to the
 * admin API (`?cursor=` is the API's own parameter name).
 */
export function Pager({ nextCursor }: { nextCursor: string | null }) {
  const c = useRequestContext<ConsoleEnv>();
  const url = new URL(c.req.url);
  const onLaterPage = url.searchParams.has("cursor");
  if (!nextCursor && !onLaterPage) return null;
  const first = new URL(url);
  first.searchParams.delete("cursor");
  const next = new URL(url);
  if (nextCursor) next.searchParams.set("cursor", nextCursor);
  return (
    <nav class="pager" aria-label="Pages">
      {onLaterPage ? <a href={first.pathname + first.search}>First page</a> : null}
      {nextCursor ? (
        <a href={next.pathname + next.search} rel="next">
          Next page
        </a>
      ) : (
        <span class="muted">Last page</span>
      )}
    </nav>
  );
}

/**
 * The admin API query string for a list page: the console URL's filters (only `names`, empty values
 * dropped) plus `limit`. E.g. `listQuery(c, ["sourceId", "disposition", "cursor"], 50)`.
 */
export function listQuery(c: { req: { url: string } }, names: readonly string[], limit: number): string {
  const from = new URL(c.req.url).searchParams;
  const out = new URLSearchParams();
  for (const name of names) {
    const value = from.get(name);
    if (value) out.set(name, value);
  }
  out.set("limit", String(limit));
  return out.toString();
}

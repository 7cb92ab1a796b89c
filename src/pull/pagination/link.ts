import { PaginationError, type Strategy } from "./types";

/**
 * The target of the first `rel="next"` link in a `Link` header (RFC 8288 §3), resolved against
 * `base`; null when there is none. Handles several links per header, quoted and unquoted rel values,
 * and rel lists (`rel="next last"`); commas inside `<...>` do not split links.
 * @see https://www.rfc-editor.org/rfc/rfc8288#section-3
 */
export function nextLink(header: string | null, base: URL): URL | null {
  if (!header) return null;
  const link = /<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"[^"]*"|[^;,]*))?)*)/g;
  for (const match of header.matchAll(link)) {
    const params = match[2] ?? "";
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (rels.includes("next")) {
      try {
        return new URL(match[1]!, base);
      } catch {
        throw new PaginationError("Link rel=next is not a URL");
      }
    }
  }
  return null;
}

/**
 * RFC 8288 `Link` header pagination (GitHub, Shopify and many others): follows `rel="next"` until a
 * page has none. A next link to another origin is refused: the poller would send the source's
 * credentials to it.
 */
export function linkStrategy(): Strategy {
  return {
    request(base, checkpoint) {
      return new URL(checkpoint.next ?? base);
    },
    advance(page) {
      const next = nextLink(page.headers.get("link"), page.url);
      if (!next) return { next: {}, done: true };
      if (next.origin !== page.url.origin)
        throw new PaginationError(`Link rel=next points to another origin (${next.origin})`);
      return { next: { next: next.toString() }, done: false };
    },
  };
}

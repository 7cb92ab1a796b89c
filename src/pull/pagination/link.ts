import { LinkHeaderSyntaxError, type LinkValue, parseLinkHeader } from "./link-header";
import { PaginationError, type Strategy } from "./types";

/**
 * The target of the first link whose `rel` (a space-separated list, any case) contains `next`,
 * resolved against `base`; null when the header is absent or has no next link.
 * @throws PaginationError when the header is malformed (see {@link parseLinkHeader}) or the next
 *   target is not an http(s) URL: the run then stops with that reason instead of guessing a URL
 * @see https://www.rfc-editor.org/rfc/rfc8288#section-3
 */
export function nextLink(header: string | null, base: URL): URL | null {
  if (header === null || header.trim() === "") return null;
  let links: LinkValue[];
  try {
    links = parseLinkHeader(header);
  } catch (error) {
    if (error instanceof LinkHeaderSyntaxError) throw new PaginationError(error.message);
    throw error;
  }
  const next = links.find((link) =>
    (link.params.get("rel") ?? "")
      .toLowerCase()
      .split(/[ \t]+/)
      .includes("next"),
  );
  if (!next) return null;
  let url: URL;
  try {
    url = new URL(next.target, base);
  } catch {
    throw new PaginationError(`Link rel=next is not a URL: ${JSON.stringify(next.target.slice(0, 120))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new PaginationError(`Link rel=next is not an http(s) URL (${url.protocol})`);
  return url;
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

/**
 * A strict parser of the HTTP `Link` header (RFC 8288 §3): a comma-separated list of
 * `<URI-Reference>` followed by `; name=value` parameters, values being tokens or quoted strings.
 * Commas and semicolons inside `<...>` or inside a quoted string belong to the value; anything that
 * does not fit the grammar (an unclosed `<` or quote, a parameter without a name, stray text) is an
 * error rather than a guess, so a malformed header can never yield a made-up URL.
 * @see https://www.rfc-editor.org/rfc/rfc8288#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6 (token, quoted-string, OWS)
 */

/** One link: its target as written (unresolved) and its parameters, names lower-cased, first occurrence kept. */
export interface LinkValue {
  target: string;
  params: Map<string, string>;
}

/** The header does not follow RFC 8288's grammar; the message says where. */
export class LinkHeaderSyntaxError extends Error {}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const OWS = /[ \t]/;

/** Parses a whole `Link` header. @throws LinkHeaderSyntaxError */
export function parseLinkHeader(header: string): LinkValue[] {
  const links: LinkValue[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new LinkHeaderSyntaxError(`malformed Link header: ${what} at character ${i + 1}`);
  };
  const skipOws = () => {
    while (i < header.length && OWS.test(header[i]!)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && TCHAR.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  const quoted = (): string => {
    i++; // opening quote
    let value = "";
    while (i < header.length) {
      const c = header[i]!;
      if (c === '"') {
        i++;
        return value;
      }
      if (c === "\\") {
        if (i + 1 >= header.length) break;
        value += header[i + 1];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    return fail("unclosed quoted string");
  };

  for (;;) {
    // Empty list elements are allowed (RFC 9110 §5.6.1): "a, , b".
    while (i < header.length && (OWS.test(header[i]!) || header[i] === ",")) i++;
    if (i >= header.length) return links;
    if (header[i] !== "<") fail("expected <");
    const close = header.indexOf(">", i + 1);
    if (close < 0) fail("unclosed <");
    const target = header.slice(i + 1, close);
    if (/[\s<"]/.test(target)) fail("space, < or quote inside <...>");
    i = close + 1;
    const params = new Map<string, string>();
    for (;;) {
      skipOws();
      if (i >= header.length || header[i] === ",") break;
      if (header[i] !== ";") fail("expected ; or ,");
      i++;
      skipOws();
      const name = token().toLowerCase();
      if (name === "") fail("parameter without a name");
      skipOws();
      let value = "";
      if (header[i] === "=") {
        i++;
        skipOws();
        value = header[i] === '"' ? quoted() : token();
        if (value === "" && header[i - 1] === "=") fail(`parameter ${name} without a value`);
      }
      if (!params.has(name)) params.set(name, value);
    }
    links.push({ target, params });
  }
}

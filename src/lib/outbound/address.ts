/**
 * Which hosts the gateway must never call on a source's or an extension's behalf: loopback, private,
 * link-local (cloud metadata at 169.254.169.254), shared (CGNAT), multicast and reserved ranges, and
 * the names that resolve to the machine itself.
 *
 * Works on the hostname the WHATWG URL parser produced: it already turns every IPv4 spelling
 * (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) into dotted decimal and compresses IPv6, so
 * one check covers them all. No DNS is resolved here (Workers cannot): a public name that resolves
 * to a private address is left to the platform, which does not route Workers' fetches to private
 * networks.
 * @see https://url.spec.whatwg.org/#concept-ipv4-parser
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 */

/** IPv4 ranges (network, prefix length) that are not on the public internet. */
const NON_PUBLIC_V4: readonly [string, number][] = [
  ["0.0.0.0", 8], // "this network"; 0.0.0.0 reaches the local host on many systems
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // shared address space (CGNAT)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, including cloud metadata endpoints
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
];

/** Names that always mean this machine or a cloud provider's internal service. */
const LOCAL_NAMES = new Set(["localhost", "metadata.google.internal"]);

/**
 * True when `hostname` (as in `new URL(...).hostname`: IPv6 in brackets, IPv4 in dotted decimal) is
 * not a public internet host.
 */
export function isNonPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "") return true;
  if (LOCAL_NAMES.has(host) || host.endsWith(".localhost")) return true;
  if (host.startsWith("[")) return isNonPublicV6(host.slice(1, -1));
  const v4 = parseV4(host);
  return v4 !== null && isNonPublicV4(v4);
}

/** Dotted-decimal IPv4 as a 32-bit number, or null for anything else (a name). */
function parseV4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function isNonPublicV4(address: number): boolean {
  return NON_PUBLIC_V4.some(([network, bits]) => {
    const base = parseV4(network)!;
    const size = 2 ** (32 - bits);
    return address >= base && address < base + size;
  });
}

/**
 * The eight 16-bit groups of an IPv6 address in the URL serializer's form (hex groups, at most one
 * `::`; it never prints a dotted IPv4 tail), or null.
 */
function parseV6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array<string>(missing).fill("0"), ...rest];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}

function isNonPublicV6(text: string): boolean {
  const g = parseV6(text);
  if (!g) return true; // unparseable: refuse rather than guess
  const embeddedV4 = g[6]! * 65536 + g[7]!;
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroPrefix(8)) return true; // ::
  if (zeroPrefix(7) && g[7] === 1) return true; // ::1
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) embed an IPv4 address.
  if (zeroPrefix(5) && g[5] === 0xffff) return isNonPublicV4(embeddedV4);
  if (zeroPrefix(6)) return isNonPublicV4(embeddedV4);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return isNonPublicV4(embeddedV4);
  if (g[0] === 0x2002) return isNonPublicV4(g[1]! * 65536 + g[2]!); // 6to4
  if ((g[0]! & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g[0]! & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g[0]! & 0xffc0) === 0xfec0) return true; // site-local (deprecated) fec0::/10
  if ((g[0]! & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/**
 * Per-source IP allowlists: IPv4/IPv6 addresses and CIDR ranges, matched against the client address
 * Cloudflare puts in `CF-Connecting-IP` (it overwrites any value the client sends).
 * Addresses are compared as 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so `10.0.0.1` and
 * `::ffff:10.0.0.1` are the same client.
 * @see https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip
 */

/** True when `address` lies in any of `allowed` (addresses or CIDR ranges); false for unparseable input. */
export function ipAllowed(address: string | null, allowed: readonly string[]): boolean {
  const ip = address ? parseIp(address) : null;
  if (!ip) return false;
  return allowed.some((entry) => {
    const range = parseRange(entry);
    return range !== null && inRange(ip, range);
  });
}

interface Range {
  base: Uint8Array;
  bits: number;
}

function parseRange(entry: string): Range | null {
  const [addressPart, bitsPart] = entry.split("/", 2) as [string, string | undefined];
  const base = parseIp(addressPart);
  if (!base) return null;
  const v4 = !addressPart.includes(":");
  const max = v4 ? 32 : 128;
  const bits = bitsPart === undefined ? max : Number(bitsPart);
  if (
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > max ||
    (bitsPart !== undefined && !/^\d+$/.test(bitsPart))
  )
    return null;
  return { base, bits: v4 ? bits + 96 : bits };
}

function inRange(ip: Uint8Array, { base, bits }: Range): boolean {
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

/** Parses an IPv4 or IPv6 address into 16 bytes (IPv4 mapped), or null. */
export function parseIp(text: string): Uint8Array | null {
  if (text.includes(":")) return parseIpv6(text);
  const v4 = parseIpv4(text);
  if (!v4) return null;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    out[i] = Number(part);
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string | undefined): number[] | null => {
    if (!half) return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) out.push(Number.parseInt(part, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((group, i) => {
    out[i * 2] = group >> 8;
    out[i * 2 + 1] = group & 0xff;
  });
  return out;
}

/** `type \0 value`: an identifier's identity within a workspace. */
export function identifierKey(identifier: { type: string; value: string }): string {
  return `${identifier.type}\u0000${identifier.value}`;
}

/** JSON list of `[type, value]` pairs: one bound parameter, whatever the count (D1 allows 100 per statement). */
export function pairsJson(items: readonly { type: string; value: string }[]): string {
  return JSON.stringify(items.map((i) => [i.type, i.value]));
}

// The identity benches' events (bench/identity.bench.mjs, bench/profile-identity.mjs): canonical
// events of one workspace, built as the queue consumer hands them to the IdentityResolver.

/** A canonical event with the given identifiers ([type, value] pairs). */
export function event(workspace, key, identifiers, n) {
  return {
    eventKey: key,
    workspace,
    sourceId: "src_bench",
    deliveryId: `dlv_${key}`,
    type: "bench.event",
    occurredAt: 1_795_953_600_000 + n,
    receivedAt: 1_795_953_600_000 + n,
    identifiers: identifiers.map(([type, value]) => ({ type, value })),
    traits: { plan: n % 3 === 0 ? "pro" : "free", seen: n },
    properties: { n },
    warnings: [],
    defaultRegion: "GB",
  };
}

/** New customers: every event brings a new email, phone and device. */
export const fresh = (ws, i) =>
  event(
    ws,
    `new-${i}`,
    [
      ["email", ` User${i}@Example.com `],
      ["phone", `07700 9${String(i % 100000).padStart(5, "0")}`],
      ["device_id", `dev-${ws}-${i}`],
    ],
    i,
  );
/** Returning customers: the same identifiers again (matched, nothing claimed). */
export const returning = (ws, i) =>
  event(
    ws,
    `again-${i}`,
    [
      ["email", `user${i}@example.com`],
      ["device_id", `dev-${ws}-${i}`],
    ],
    i,
  );
/** Merges: an anonymous device profile and an email profile, then one event linking both. */
export const anonymous = (ws, i) => event(ws, `anon-${i}`, [["anonymous_id", `anon-${ws}-${i}`]], i);
export const known = (ws, i) => event(ws, `known-${i}`, [["email", `link${i}@example.com`]], i);
export const linking = (ws, i) =>
  event(
    ws,
    `link-${i}`,
    [
      ["anonymous_id", `anon-${ws}-${i}`],
      ["email", `link${i}@example.com`],
    ],
    i,
  );

import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../src/events/event";
import { eventRowIdFor } from "../../src/identity/graph";
import { apply, event, freshWorkspace, grouping } from "./helpers";

// Types and value pools small enough that events collide often, and no limit can ever apply:
// device_id allows 20 and email 5 per profile, more than their pools hold; `ticket` has no rule.
const IDENTIFIER = fc.oneof(
  fc.tuple(fc.constant("device_id"), fc.constantFrom("d0", "d1", "d2", "d3", "d4", "d5")),
  fc.tuple(fc.constant("email"), fc.constantFrom("a@x.io", "B@x.io", " b@x.io", "c@x.io", "d@x.io")),
  fc.tuple(fc.constant("ticket"), fc.constantFrom("T-1", "t-1", "T-2", "T-3")),
);

const SPEC = fc.record({
  events: fc.array(
    fc.record({
      identifiers: fc.array(IDENTIFIER, { minLength: 1, maxLength: 3 }),
      at: fc.integer({ min: 0, max: 3 }),
    }),
    { minLength: 1, maxLength: 14 },
  ),
  seed: fc.integer(),
  redeliver: fc.array(fc.nat(), { maxLength: 4 }),
});

/** Connected components of "appear on one event", by normalized key (email is case-insensitive). */
function expectedGrouping(events: readonly { identifiers: [string, string][] }[]): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  const keyOf = ([type, value]: [string, string]) =>
    `${type}:${type === "email" ? value.trim().toLowerCase() : value}`;
  for (const e of events) {
    const keys = e.identifiers.map(keyOf);
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of keys.slice(1)) parent.set(find(k), find(keys[0]!));
  }
  const groups = new Map<string, string[]>();
  for (const k of parent.keys()) groups.set(find(k), [...(groups.get(find(k)) ?? []), k]);
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Deterministic shuffle (Fisher-Yates over a seeded LCG). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Splits `items` into up to `parts` runs, sent as concurrent calls to the Durable Object. */
function runs<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.max(1, Math.ceil(items.length / parts));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function traitsByGroup(ws: string): Promise<Map<string, unknown>> {
  const { results } = await env.DB.prepare(
    `SELECT (SELECT min(type || ':' || value) FROM identifiers i WHERE i.profile_id = t.profile_id) AS first, t.value
     FROM traits t JOIN profiles p ON p.id = t.profile_id WHERE p.workspace = ? AND t.name = 'n'`,
  )
    .bind(ws)
    .all<{ first: string; value: string }>();
  return new Map(results.map((r) => [r.first, JSON.parse(r.value)]));
}

describe("identity resolution is order-independent (property)", () => {
  it("gives the same grouping and traits for every order and interleaving, with redeliveries", async () => {
    await fc.assert(
      fc.asyncProperty(SPEC, async ({ events: specs, seed, redeliver }) => {
        const outcomes: string[][][] = [];
        const expected = expectedGrouping(specs);
        for (const [order, parts] of [
          [0, 1],
          [seed, 3],
          [seed ^ 0x5bd1e995, 5],
        ] as const) {
          const ws = freshWorkspace("prop");
          const events: CanonicalEvent[] = specs.map((s, i) =>
            event(ws, `e${i}`, s.identifiers, { occurredAt: 1_000 + s.at, traits: { n: i } }),
          );
          const copies = redeliver.map((r) => events[r % events.length]!);
          const sequence = order === 0 ? events : shuffled([...events, ...copies], order);
          await Promise.all(runs(sequence, parts).map((run) => apply(ws, run)));
          const groups = await grouping(ws);
          expect(groups).toEqual(expected);
          outcomes.push(groups);

          // Traits: last writer by (event time, deterministic event id) within each group.
          const ids = await Promise.all(events.map((e) => eventRowIdFor(e)));
          const traits = await traitsByGroup(ws);
          for (const group of expected) {
            const members = specs
              .map((s, i) => ({ s, i }))
              .filter(({ s }) => expectedGrouping([s])[0]!.some((k) => group.includes(k)));
            const winner = members.reduce((best, m) =>
              1_000 + m.s.at > 1_000 + best.s.at || (m.s.at === best.s.at && ids[m.i]! > ids[best.i]!)
                ? m
                : best,
            );
            expect(traits.get(group[0]!)).toBe(winner.i);
          }
        }
        expect(outcomes[1]).toEqual(outcomes[0]);
        expect(outcomes[2]).toEqual(outcomes[0]);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

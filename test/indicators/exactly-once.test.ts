import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventRowIdFor } from "../../src/identity/graph";
import { deviceSource, freshWorkspace, profileWhen, send, storedCount } from "../enrichment/support";
import { apply, defineOrderIndicators, orderEvent, profileBy, valuesOf } from "./support";

const JAN = Date.UTC(2024, 0, 1);

/** The order indicators every test here asserts on. */
const INDICATORS = ["orders", "revenue", "first_model", "last_model", "models"] as const;

describe("indicators count every event exactly once", () => {
  it("a delivery the sender repeats is counted once", async () => {
    const workspace = freshWorkspace();
    const source = await deviceSource(workspace);
    await defineOrderIndicators(workspace, INDICATORS);
    for (let i = 0; i < 3; i++)
      await send(source, {
        id: "msg_repeated",
        email: "ned@example.com",
        type: "order.completed",
        amount: 20,
        model: "A",
      });
    await send(source, {
      id: "msg_other",
      email: "ned@example.com",
      type: "order.completed",
      amount: 5,
      model: "B",
    });
    await storedCount(workspace, 2);
    const profile = await profileWhen(workspace, "ned@example.com", (p) => p.indicators.orders?.value === 2);
    expect(valuesOf(profile)).toMatchObject({ orders: 2, revenue: 25, models: 2 });
  });

  it("events the queue redelivers after they were committed change nothing", async () => {
    const workspace = freshWorkspace();
    await defineOrderIndicators(workspace, INDICATORS);
    const events = [
      orderEvent(workspace, "k1", { at: JAN, email: "oz@example.com", amount: 10, model: "A" }),
      orderEvent(workspace, "k2", { at: JAN + 1, email: "oz@example.com", amount: 15, model: "B" }),
    ];
    await apply(workspace, events);
    const before = valuesOf((await profileBy(workspace, "email", "oz@example.com"))!);
    const again = await apply(workspace, [...events, ...events]);
    expect(again.map((r) => r.status)).toEqual(["duplicate", "duplicate", "duplicate", "duplicate"]);
    expect(valuesOf((await profileBy(workspace, "email", "oz@example.com"))!)).toEqual(before);
    expect(before).toMatchObject({ orders: 2, revenue: 25, first_model: "A", last_model: "B", models: 2 });
  });
});

describe("indicators do not depend on arrival order", () => {
  const events = (workspace: string) => [
    orderEvent(workspace, "a", {
      at: JAN + 3 * 86_400_000,
      email: "pia@example.com",
      amount: 30,
      model: "Y",
    }),
    orderEvent(workspace, "b", { at: JAN, email: "pia@example.com", amount: 10, model: "X" }),
    orderEvent(workspace, "c", { at: JAN + 86_400_000, email: "pia@example.com", amount: 5, model: "X" }),
    orderEvent(workspace, "d", { at: JAN + 5 * 86_400_000, email: "pia@example.com", amount: 7, model: "Z" }),
    // Same time as "d": the event id breaks the tie, the same way whatever arrives first.
    orderEvent(workspace, "e", { at: JAN + 5 * 86_400_000, email: "pia@example.com", amount: 1, model: "W" }),
    orderEvent(workspace, "f", {
      at: JAN + 2 * 86_400_000,
      email: "pia@example.com",
      type: "device.usage",
      amount: 99,
    }),
  ];

  it("any order, any batching, with or without redeliveries, gives the same values", async () => {
    const reference = freshWorkspace("ref");
    await defineOrderIndicators(reference, INDICATORS);
    await apply(reference, events(reference));
    const expected = valuesOf((await profileBy(reference, "email", "pia@example.com"))!);
    expect(expected).toMatchObject({ orders: 5, revenue: 53, first_model: "X", models: 4 });
    // "d" and "e" share a time: the stored event id decides which one is last, the same in every run.
    expect(["Z", "W"]).toContain(expected.last_model);

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (keys, batchSize, redeliver) => {
          const workspace = freshWorkspace("perm");
          await defineOrderIndicators(workspace, INDICATORS);
          const shuffled = events(workspace)
            .map((event, i) => ({ event, key: keys[i]! }))
            .sort((x, y) => x.key - y.key)
            .map((x) => x.event);
          const delivered = redeliver ? [...shuffled, ...shuffled.slice(0, 3)] : shuffled;
          for (let i = 0; i < delivered.length; i += batchSize)
            await apply(workspace, delivered.slice(i, i + batchSize));
          // Stored ids depend on the workspace, so the tie between "d" and "e" is decided per workspace.
          const [d, e] = await Promise.all(
            ["d", "e"].map((k) => eventRowIdFor({ workspace, sourceId: "src_test", eventKey: k })),
          );
          const tieWinner = d! > e! ? "Z" : "W";
          expect(valuesOf((await profileBy(workspace, "email", "pia@example.com"))!)).toEqual({
            ...expected,
            last_model: tieWinner,
          });
        },
      ),
      { numRuns: 12 },
    );
  });
});

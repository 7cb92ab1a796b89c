import { describe, expect, it } from "vitest";
import {
  createIndicator,
  deviceSource,
  freshWorkspace,
  profileWhen,
  send,
  storedCount,
} from "../enrichment/support";

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** Every aggregate, type filters, a condition and a sliding window, over one workspace. */
async function defineAll(workspace: string): Promise<void> {
  const orders = { workspace, eventTypes: ["order.*"] };
  for (const definition of [
    { ...orders, name: "orders", aggregate: "count" },
    { ...orders, name: "revenue", aggregate: "sum", field: "properties.amount" },
    { ...orders, name: "smallest_order", aggregate: "min", field: "properties.amount" },
    { ...orders, name: "largest_order", aggregate: "max", field: "properties.amount" },
    { ...orders, name: "average_order", aggregate: "average", field: "properties.amount" },
    { ...orders, name: "first_model", aggregate: "first", field: "properties.model" },
    { ...orders, name: "last_model", aggregate: "last", field: "properties.model" },
    { ...orders, name: "models", aggregate: "distinct_count", field: "properties.model" },
    {
      ...orders,
      name: "big_orders",
      aggregate: "count",
      conditions: [{ field: "properties.amount", op: "gte", value: 100 }],
    },
    { ...orders, name: "orders_30d", aggregate: "count", windowDays: 30 },
    { workspace, name: "events", aggregate: "count" },
  ])
    await createIndicator(definition);
}

describe("activity indicators", () => {
  it("compute every aggregate over the profile's events, with type filters, conditions and a sliding window", async () => {
    const workspace = freshWorkspace();
    const source = await deviceSource(workspace);
    await defineAll(workspace);
    const email = "lu@example.com";

    // Sent out of event-time order on purpose: first/last and the window go by the event's own time.
    await send(source, { email, type: "order.completed", at: ago(1), model: "C" });
    await send(source, { email, type: "order.completed", at: ago(40), amount: 50, model: "A" });
    await send(source, { email, type: "order.completed", at: ago(5), amount: 100, model: "A" });
    await send(source, { email, type: "order.completed", at: ago(10), amount: "150.5", model: "B" });
    await send(source, { email, type: "device.usage", at: ago(2), amount: 999, model: "Z" });
    await storedCount(workspace, 5);

    const profile = await profileWhen(workspace, email);
    const values = Object.fromEntries(Object.entries(profile.indicators).map(([name, v]) => [name, v.value]));
    expect(values).toEqual({
      orders: 4,
      revenue: 300.5,
      smallest_order: 50,
      largest_order: 150.5,
      average_order: 300.5 / 3,
      first_model: "A",
      last_model: "C",
      models: 3,
      big_orders: 2,
      orders_30d: 3,
      events: 5,
    });
    expect(profile.indicators.orders_30d).toMatchObject({ aggregate: "count", windowDays: 30 });
  });

  it("show empty values on a profile no event counts for", async () => {
    const workspace = freshWorkspace();
    const source = await deviceSource(workspace);
    await defineAll(workspace);
    await send(source, { email: "mo@example.com", type: "device.usage" });
    const profile = await profileWhen(workspace, "mo@example.com");
    const values = Object.fromEntries(Object.entries(profile.indicators).map(([name, v]) => [name, v.value]));
    expect(values).toEqual({
      orders: 0,
      revenue: 0,
      smallest_order: null,
      largest_order: null,
      average_order: null,
      first_model: null,
      last_model: null,
      models: 0,
      big_orders: 0,
      orders_30d: 0,
      events: 1,
    });
  });
});

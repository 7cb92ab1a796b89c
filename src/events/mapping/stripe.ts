import type { Identifier } from "../event";
import { type Mapper, pick, pushIdentifier } from "./types";

/**
 * Stripe events: a `customer` object yields the customer's id, email and phone and its name/metadata
 * as traits; other objects that reference a customer (invoices, charges, payment intents, subscriptions)
 * yield the customer id and any email they carry.
 * @see https://docs.stripe.com/api/events/object
 */
export const mapStripe: Mapper = ({ payload }) => {
  const event = (payload ?? {}) as {
    type?: string;
    created?: number;
    data?: { object?: Record<string, unknown> };
  };
  const object = event.data?.object ?? {};
  const identifiers: Identifier[] = [];
  let traits: Record<string, unknown> = {};
  if (object.object === "customer") {
    pushIdentifier(identifiers, "stripe_customer_id", object.id);
    pushIdentifier(identifiers, "email", object.email);
    pushIdentifier(identifiers, "phone", object.phone);
    traits = pick(object, ["name", "description", "currency", "preferred_locales"]);
    if (object.metadata && typeof object.metadata === "object") traits.metadata = object.metadata;
  } else {
    pushIdentifier(identifiers, "stripe_customer_id", object.customer);
    pushIdentifier(identifiers, "email", object.customer_email ?? object.receipt_email);
    const billing = object.billing_details as { email?: unknown } | undefined;
    pushIdentifier(identifiers, "email", billing?.email);
  }
  const properties = pick(object, ["id", "object", "amount", "amount_paid", "currency", "status"]);
  return [
    {
      type: `stripe.${event.type ?? "unknown"}`,
      occurredAt: typeof event.created === "number" ? event.created * 1000 : undefined,
      identifiers,
      traits,
      properties,
    },
  ];
};

import { toEpochMs } from "../../lib/json-path";
import type { Identifier } from "../event";
import { type Mapper, pick, pushIdentifier } from "./types";

type Customer = Record<string, unknown>;

/**
 * Shopify customers/* and orders/* topics. The customer is the payload itself (customers/*) or the
 * order's `customer`; the order's own email/phone identify the buyer too. The Shopify customer id is
 * taken from `admin_graphql_api_id` (exact digits) when present.
 * @see https://shopify.dev/docs/api/webhooks
 */
export const mapShopify: Mapper = ({ payload, envelope }) => {
  const topic = envelope.headers["x-shopify-topic"] ?? "unknown";
  const body = (payload ?? {}) as Record<string, unknown>;
  const isOrder = topic.startsWith("orders/");
  const customer = (isOrder ? body.customer : body) as Customer | undefined;
  const identifiers: Identifier[] = [];
  if (customer) {
    pushIdentifier(identifiers, "shopify_customer_id", customerId(customer));
    pushIdentifier(identifiers, "email", customer.email);
    pushIdentifier(identifiers, "phone", customer.phone);
  }
  if (isOrder) {
    pushIdentifier(identifiers, "email", body.email ?? body.contact_email);
    pushIdentifier(identifiers, "phone", body.phone);
  }
  const traits = customer
    ? pick(customer, ["first_name", "last_name", "state", "verified_email", "currency", "note"])
    : {};
  const properties = isOrder
    ? {
        order_id: String(body.admin_graphql_api_id ?? body.id ?? ""),
        order_number: body.order_number,
        total_price: body.total_price,
        currency: body.currency,
        financial_status: body.financial_status,
        line_items: Array.isArray(body.line_items) ? body.line_items.length : 0,
      }
    : {};
  return [
    {
      type: `shopify.${topic}`,
      occurredAt:
        toEpochMs(body.updated_at) ??
        toEpochMs(body.created_at) ??
        toEpochMs(envelope.headers["x-shopify-triggered-at"]),
      identifiers,
      traits,
      properties,
    },
  ];
};

function customerId(customer: Customer): string | undefined {
  const gid = customer.admin_graphql_api_id;
  if (typeof gid === "string") {
    const match = /\/(\d+)$/.exec(gid);
    if (match) return match[1];
  }
  const id = customer.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

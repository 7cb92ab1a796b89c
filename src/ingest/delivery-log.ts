import type { Env } from "../lib/env";
import { log } from "../lib/log";

/** One request the edge received, as operators see it in the delivery log. Times are epoch ms. */
export interface DeliveryLogEntry {
  sourceId: string;
  /** Set for accepted and duplicate deliveries. */
  deliveryId?: string;
  status: "accepted" | "duplicate" | "rejected";
  /** For rejections: the stable error code (e.g. `signature_invalid`), never a body or secret. */
  reason?: string;
  idempotencyKey?: string;
  receivedAt: number;
}

/**
 * Records a delivery in the delivery log without delaying the answer to the sender (waitUntil).
 * A failure to log is itself only logged: the log must never make the edge fail a delivery.
 */
export function logDelivery(_env: Env, ctx: Pick<ExecutionContext, "waitUntil">, entry: DeliveryLogEntry): void {
  ctx.waitUntil(
    Promise.resolve().then(() => {
      log.info("delivery", { ...entry });
    }),
  );
}

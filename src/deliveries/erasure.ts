import type { DerivedState, ErasureEnv } from "../identity/derived-state";
import { mentionsAny } from "../identity/mentions";
import { payloadKey } from "./enqueue";

/** Dead letters scanned per erasure (newest first); the receipt cannot vouch for older ones. */
const MAX_DEAD_LETTERS_SCANNED = 5000;
/** Out-of-band bodies (R2) of dead letters read to look for the person. */
const MAX_DEAD_LETTER_BODIES = 200;

/**
 * Deliveries' share of an erasure: the stored payloads (R2) of the person's deliveries, and the dead
 * letters that carry one of those deliveries or whose payload mentions one of the person's identifier
 * values, with their out-of-band bodies. Payloads go before the erasure's D1 batch; dead letters
 * (control data, in the default database) after it committed, as one more statement: a failure there
 * leaves only dead letters, which running the erasure again removes.
 */
export const deliveryState: DerivedState = {
  module: "deliveries",
  async erase(env, { workspace, events, identifierValues }) {
    const deliveries = new Set(events.map((e) => e.deliveryId));
    const deadLetters = await deadLettersOf(env, workspace, deliveries, identifierValues);
    const keys = new Set([
      ...events.map((e) => payloadKey({ sourceId: e.sourceId, deliveryId: e.deliveryId })),
      ...deadLetters.bodyRefs,
    ]);
    const payloads = await deletePayloads(env.PAYLOADS, [...keys]);
    return {
      removed: { payloads },
      afterCommit: async () => {
        const result = await env.DB.prepare(
          "DELETE FROM dead_letters WHERE id IN (SELECT value FROM json_each(?1))",
        )
          .bind(JSON.stringify(deadLetters.ids))
          .run();
        return { deadLetters: result.meta.changes ?? 0 };
      },
    };
  },
};

/**
 * Dead letters of the workspace that carry one of `deliveries`, or whose payload mentions one of the
 * person's identifier values (a failed delivery never became an event, so this is the only link).
 */
async function deadLettersOf(
  env: ErasureEnv,
  workspace: string,
  deliveries: ReadonlySet<string>,
  needles: ReadonlySet<string>,
): Promise<{ ids: string[]; bodyRefs: string[] }> {
  const { results } = await env.DB.prepare(
    `SELECT id, delivery_id, message FROM dead_letters WHERE json_extract(message, '$.workspace') = ?
     ORDER BY created_at DESC LIMIT ?`,
  )
    .bind(workspace, MAX_DEAD_LETTERS_SCANNED)
    .all<{ id: string; delivery_id: string | null; message: string }>();
  const ids: string[] = [];
  const bodyRefs: string[] = [];
  let bodiesRead = 0;
  for (const row of results) {
    const message = JSON.parse(row.message) as {
      body?: unknown;
      bodyRef?: unknown;
      headers?: Record<string, string>;
    };
    let body = typeof message.body === "string" ? message.body : undefined;
    const bodyRef = typeof message.bodyRef === "string" ? message.bodyRef : undefined;
    if (body === undefined && bodyRef && bodiesRead < MAX_DEAD_LETTER_BODIES) {
      bodiesRead++;
      body = await (await env.PAYLOADS.get(bodyRef))?.text();
    }
    const hit =
      (row.delivery_id !== null && deliveries.has(row.delivery_id)) ||
      (body !== undefined && mentionsAny(body, message.headers?.["content-type"], needles));
    if (!hit) continue;
    ids.push(row.id);
    if (bodyRef) bodyRefs.push(bodyRef);
  }
  return { ids, bodyRefs };
}

/** Deletes the R2 objects that exist among `keys`; returns how many existed. */
async function deletePayloads(bucket: R2Bucket, keys: string[]): Promise<number> {
  const existing: string[] = [];
  for (let i = 0; i < keys.length; i += 50) {
    const heads = await Promise.all(keys.slice(i, i + 50).map((key) => bucket.head(key)));
    heads.forEach((head, j) => {
      if (head) existing.push(keys[i + j]!);
    });
  }
  // R2 deletes at most 1000 keys per call.
  for (let i = 0; i < existing.length; i += 1000) await bucket.delete(existing.slice(i, i + 1000));
  return existing.length;
}

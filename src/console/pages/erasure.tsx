import type { StoredErasureReceiptView } from "../../routes/admin/get-erasure-receipt";
import { AdminApiError, adminApi } from "../admin-api";
import { Copy } from "../components/copy";
import { JsonBlock } from "../components/json";
import { Time } from "../components/time";
import { href } from "../env";
import type { ConsoleApp } from "./page";
import { workspaceOf } from "./profiles";

/**
 * GET /console/erasures/:receiptId?workspace=: the receipt of a profile erasure (ids and counts, never
 * an erased value), where the erase action lands; while an erasure queued by the API (202) has not
 * finished, a self-refreshing note. Data: GET /v1/admin/workspaces/{ws}/erasures/{id}.
 */
export function registerErasurePage(app: ConsoleApp): void {
  app.get("/erasures/:receiptId", async (c) => {
    const workspace = workspaceOf(c);
    const receiptId = c.req.param("receiptId");
    const receipt = await adminApi(c)
      .get<StoredErasureReceiptView>(
        `/v1/admin/workspaces/${workspace}/erasures/${encodeURIComponent(receiptId)}`,
      )
      .catch((error: unknown) => {
        // An erasure queued while the database was down (202) has no stored receipt until it finishes.
        if (error instanceof AdminApiError && error.status === 404) return null;
        throw error;
      });
    if (!receipt)
      return c.render(
        <>
          <p role="status">
            Erasure <code>{receiptId}</code> is queued: the profile has left the identity graph, and its data
            leaves the database and the archive as soon as the database answers. This page refreshes itself
            and shows the receipt then.
          </p>
          <div data-refresh="5" hidden />
        </>,
        { title: "Erasure receipt", nav: "profiles" },
      );
    const counts = Object.entries(receipt.deleted);
    return c.render(
      <>
        <dl class="facts" aria-label="Erasure receipt">
          <dt>Receipt</dt>
          <dd>
            <Copy text={receipt.receiptId} label="Copy receipt id" />
          </dd>
          <dt>Profile</dt>
          <dd>
            <code>{receipt.profileId}</code>
          </dd>
          <dt>With merged profiles</dt>
          <dd>{receipt.profileIds.filter((id) => id !== receipt.profileId).join(", ") || "none"}</dd>
          <dt>Workspace</dt>
          <dd>{receipt.workspace}</dd>
          <dt>Database</dt>
          <dd>{receipt.database}</dd>
          <dt>Erased</dt>
          <dd>
            <Time value={receipt.erasedAt} />
          </dd>
        </dl>
        <table>
          <caption>What was removed</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col" class="num">
                Removed
              </th>
            </tr>
          </thead>
          <tbody>
            {counts.map(([kind, n]) => (
              <tr>
                <td>{kind}</td>
                <td class="num">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <JsonBlock value={receipt} label="The receipt as the admin API keeps it" />
        <p>
          <a href={href(`/profiles?workspace=${encodeURIComponent(receipt.workspace)}`)}>Back to profiles</a>
        </p>
      </>,
      { title: "Erasure receipt", nav: "profiles" },
    );
  });
}

import type { StoredErasureReceiptView } from "../../routes/admin/get-erasure-receipt";
import { adminApi } from "../admin-api";
import { Copy } from "../components/copy";
import { JsonBlock } from "../components/json";
import { Time } from "../components/time";
import { href } from "../env";
import type { ConsoleApp } from "./page";
import { workspaceOf } from "./profiles";

/**
 * GET /console/erasures/:receiptId?workspace=: the receipt of a profile erasure (ids and counts, never
 * an erased value), where the erase action lands. Data: GET /v1/admin/workspaces/{ws}/erasures/{id}.
 */
export function registerErasurePage(app: ConsoleApp): void {
  app.get("/erasures/:receiptId", async (c) => {
    const workspace = workspaceOf(c);
    const receipt = await adminApi(c).get<StoredErasureReceiptView>(
      `/v1/admin/workspaces/${workspace}/erasures/${encodeURIComponent(c.req.param("receiptId"))}`,
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

import { describe, expect, it } from "vitest";
import { Time } from "../../src/console/components/time";
import type { WriteKeyList } from "../../src/routes/admin/write-key-schemas";
import { createAppSource, createWriteKey } from "../app/support";
import { admin } from "../support/gateway";
import { page, signIn } from "./support";

/** The HTML a `<Time>` renders to. */
async function rendered(value: string | number | null | undefined): Promise<string> {
  return String(await Time({ value }).toString());
}

describe("console times (docs/console.md: UTC in datetime/title, the operator's zone on screen)", () => {
  it("a time carries the ISO instant in datetime and the UTC text in title, from an ISO string or epoch ms", async () => {
    const expected =
      '<time datetime="2026-12-02T15:10:00.000Z" title="2026-12-02 15:10:00 UTC" data-local="">2026-12-02 15:10:00 UTC</time>';
    expect(await rendered("2026-12-02T15:10:00Z")).toBe(expected);
    expect(await rendered("2026-12-02T16:10:00+01:00")).toBe(expected);
    expect(await rendered(Date.UTC(2026, 11, 2, 15, 10))).toBe(expected);
    expect(await rendered(null)).toBe('<span class="muted">—</span>');
    expect(await rendered("not a time")).toBe("<span>not a time</span>");
  });

  it("on a page, a write key's Created time is the admin API's instant, in UTC", async () => {
    const source = await createAppSource();
    await createWriteKey(source.id, "timed");
    const [key] = ((await (await admin(`/v1/admin/sources/${source.id}/write-keys`)).json()) as WriteKeyList)
      .data;
    const at = new Date(key!.createdAt);
    const utc = `${at.toISOString().slice(0, 19).replace("T", " ")} UTC`;
    const { cookie } = await signIn();
    const html = await (await page(`/console/sources/${source.id}`, cookie)).text();
    expect(html).toContain(`<time datetime="${at.toISOString()}" title="${utc}" data-local="">${utc}</time>`);
  });
});

import { describe, expect, it } from "vitest";
import { apply, event, freshWorkspace } from "../identity/helpers";
import { call } from "../support/gateway";
import { csrfOf, ORIGIN, page, signIn } from "./support";

function post(path: string, cookie: string, fields: Record<string, string>): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie,
      origin: ORIGIN,
      "sec-fetch-site": "same-origin",
    },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** The flash cookie a redirect sets, as a cookie pair to send along with the session's. */
function withFlash(response: Response, cookie: string): string {
  const flash = response.headers
    .getSetCookie()
    .find((c) => c.startsWith("tributary_console_flash="))
    ?.split(";")[0];
  return flash ? `${cookie}; ${flash}` : cookie;
}

async function twoMergedProfiles(ws: string) {
  await apply(ws, [
    event(ws, "p1", [["device_id", "dev-people"]], { traits: { name: "Pat" }, deliveryId: "dlv_people_1" }),
  ]);
  await apply(ws, [event(ws, "p2", [["email", "pat@people.io"]], { deliveryId: "dlv_people_2" })]);
  const [link] = await apply(ws, [
    event(
      ws,
      "p3",
      [
        ["email", "Pat@People.io"],
        ["device_id", "dev-people"],
      ],
      { deliveryId: "dlv_people_3" },
    ),
  ]);
  return link!.profileId;
}

describe("console: Profiles", () => {
  it("finds a profile by an identifier and shows identifiers, traits with their origin, merges and the graph", async () => {
    const ws = freshWorkspace();
    const profileId = await twoMergedProfiles(ws);
    const { cookie } = await signIn();
    const search = await (
      await page(`/console/profiles?workspace=${ws}&value=PAT%40people.io`, cookie)
    ).text();
    expect(search).toContain(`href="/console/profiles/${profileId}"`);
    expect(search).toContain("email:pat@people.io");
    const refused = await (
      await page(`/console/profiles?workspace=${ws}&type=e%20mail&value=x`, cookie)
    ).text();
    expect(refused).toContain("validation_failed");
    const prefix = await (
      await page(`/console/profiles?workspace=${ws}&type=device_id&value=dev-&match=prefix`, cookie)
    ).text();
    expect(prefix).toContain(profileId);

    const response = await page(`/console/profiles/${profileId}`, cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const text of [
      "dev-people",
      "pat@people.io",
      "Pat@People.io",
      "dlv_people_1",
      "shared_identifier@v",
      "Merge history",
    ])
      expect(html).toContain(text);
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="graph-title graph-desc"/);
    expect(html).toContain(`<title id="graph-title">Identity graph of profile ${profileId}</title>`);
    expect(html).toMatch(/merged into .* through (email|device_id):/);
  });

  it("downloads the export and erases only after the typed confirmation, then shows the receipt", async () => {
    const ws = freshWorkspace();
    const profileId = await twoMergedProfiles(ws);
    const { cookie } = await signIn();
    const exported = await page(`/console/profiles/${profileId}/export`, cookie);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toContain(`${profileId}.json`);
    expect(((await exported.json()) as { profile: { id: string } }).profile.id).toBe(profileId);

    const csrf = csrfOf(await (await page(`/console/profiles/${profileId}`, cookie)).text());
    const wrong = await post(`/console/profiles/${profileId}/erase`, cookie, { _csrf: csrf, confirm: "yes" });
    expect(wrong.status).toBe(303);
    expect((await page(`/console/profiles/${profileId}`, cookie)).status).toBe(200);

    const erased = await post(`/console/profiles/${profileId}/erase`, cookie, {
      _csrf: csrf,
      confirm: profileId,
    });
    expect(erased.status).toBe(303);
    const location = erased.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^/console/erasures/era_[^?]+\\?workspace=${ws}$`));
    const receipt = await (await page(location, withFlash(erased, cookie))).text();
    expect(receipt).toContain(`Profile ${profileId} erased.`);
    expect(receipt).toContain(profileId);
    expect(receipt).toMatch(/<td>events<\/td>\s*<td class="num">3<\/td>/);
    expect(receipt).not.toContain("pat@people.io");
  });
});

describe("console: Identity", () => {
  it("shows the rules, refuses invalid ones with the API's reason, saves valid ones and releases quarantined values", async () => {
    const ws = freshWorkspace();
    const { cookie } = await signIn();
    const html = await (await page(`/console/identity?workspace=${ws}`, cookie)).text();
    expect(html).toContain("Version 0");
    expect(html).toContain("anonymous_id");
    const csrf = csrfOf(html);

    const invalid = await post(`/console/identity/rules?workspace=${ws}`, cookie, {
      _csrf: csrf,
      rules: JSON.stringify({ maxMergesPerProfile: 101 }),
    });
    const invalidHtml = await invalid.text();
    expect(invalidHtml).toContain("validation_failed");
    expect(invalidHtml).toContain("maxMergesPerProfile");
    const notJson = await (
      await post(`/console/identity/rules?workspace=${ws}`, cookie, { _csrf: csrf, rules: "{oops" })
    ).text();
    expect(notJson).toContain("not valid JSON");

    const saved = await post(`/console/identity/rules?workspace=${ws}`, cookie, {
      _csrf: csrf,
      rules: JSON.stringify({ quarantineThreshold: 2 }),
    });
    expect(saved.status).toBe(303);
    const after = await (await page(`/console/identity?workspace=${ws}`, withFlash(saved, cookie))).text();
    expect(after).toContain("Rules saved as version 1");

    // One value shared by four otherwise separate people links more than 2 profiles: quarantined.
    for (const i of [1, 2, 3, 4])
      await apply(ws, [
        event(ws, `q${i}`, [
          ["crm_id", `crm_${i}`],
          ["email", "shared@quarantine.io"],
        ]),
      ]);
    const withFlags = await (await page(`/console/identity?workspace=${ws}`, cookie)).text();
    expect(withFlags).toContain("identifier_dropped");
    expect(withFlags).toContain('aria-label="Release email:shared@quarantine.io"');
    const released = await post(`/console/identity/quarantine/release?workspace=${ws}`, cookie, {
      _csrf: csrf,
      type: "email",
      value: "shared@quarantine.io",
    });
    expect(released.status).toBe(303);
    const afterRelease = await (
      await page(`/console/identity?workspace=${ws}`, withFlash(released, cookie))
    ).text();
    expect(afterRelease).toContain("Released email:shared@quarantine.io.");
    expect(afterRelease).not.toContain('aria-label="Release email:shared@quarantine.io"');
  });
});

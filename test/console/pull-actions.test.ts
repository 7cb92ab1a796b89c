import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { API, createPullSource, interceptSourceApi, pollJob, settled } from "../pull/helpers";
import { admin } from "../support/gateway";
import { csrfOf, page, postForm, signIn } from "./support";

const server = interceptSourceApi();
afterAll(() => server.close());

/** POSTs a console form with the page's CSRF token. */
const post = (path: string, cookie: string, csrf: string) => postForm(path, cookie, { _csrf: csrf });

/** Follows a 303 from a console form: the page it lands on, with its flash. */
async function follow(response: Response, cookie: string): Promise<string> {
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe("/console/pull");
  const flash = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  const landed = await page("/console/pull", flash ? `${cookie}; ${flash}` : cookie);
  expect(landed.status).toBe(200);
  return landed.text();
}

describe("console Pull: Run now, Resume and Reset cursor on a poll job (workerd)", () => {
  it("each button changes the job as the admin API then reports it", async () => {
    const queries: (string | null)[] = [];
    server.use(
      http.get(`${API}/console-actions`, ({ request }) => {
        queries.push(new URL(request.url).searchParams.get("updated_after"));
        return HttpResponse.json({
          data: [{ id: "r1", email: "console-pull@example.com", updated_at: "2026-11-01T00:00:00Z" }],
        });
      }),
    );
    const source = await createPullSource({
      name: `console actions ${crypto.randomUUID().slice(0, 6)}`,
      mapping: { identifiers: { email: "$.email" } },
      poll: {
        kind: "api",
        url: `${API}/console-actions`,
        updatedAt: "$.updated_at",
        pagination: { type: "watermark", limit: 10 },
        intervalSeconds: 3600,
      },
    });
    // The job row is made by the next cron tick (PollJobStore.sync) or the first admin read (ensure).
    await pollJob(source.id);
    const jobs = `/console/pull/jobs/${source.id}`;
    const { cookie } = await signIn();
    const before = await (await page("/console/pull", cookie)).text();
    expect(before).toContain(`${jobs}/run`);
    const csrf = csrfOf(before);

    // Run now: the run reads the API and moves the checkpoint.
    const ran = await follow(await post(`${jobs}/run`, cookie, csrf), cookie);
    expect(ran).toContain("Run started");
    const afterRun = await settled(source.id);
    expect(afterRun.lastRunRecords).toBe(1);
    expect(afterRun.checkpoint).toEqual({ watermark: { updatedAt: "2026-11-01T00:00:00Z", id: "r1" } });
    expect(queries).toEqual([null]);
    expect(await (await page("/console/pull", cookie)).text()).toContain("2026-11-01T00:00:00Z");

    // Paused, the job offers Resume instead of Run now and Pause; Resume clears the pause.
    expect((await admin(`/v1/admin/sources/${source.id}/poll-job/pause`, { method: "POST" })).status).toBe(
      200,
    );
    const paused = await (await page("/console/pull", cookie)).text();
    expect(paused).toContain(`${jobs}/resume`);
    expect(paused).not.toContain(`${jobs}/run"`);
    expect(paused).not.toContain(`${jobs}/pause"`);
    const resumed = await follow(await post(`${jobs}/resume`, cookie, csrf), cookie);
    expect(resumed).toContain("Resumed");
    expect((await pollJob(source.id)).paused).toBe(false);
    expect(resumed).toContain(`${jobs}/pause"`);

    // Reset cursor: the checkpoint is forgotten (shown as "start"), and the next run reads from the start.
    const reset = await follow(await post(`${jobs}/reset-cursor`, cookie, csrf), cookie);
    expect(reset).toContain("Cursor reset: the next run reads from the start");
    expect((await pollJob(source.id)).checkpoint).toEqual({});
    expect(reset).not.toContain("2026-11-01T00:00:00Z");
    await follow(await post(`${jobs}/run`, cookie, csrf), cookie);
    await settled(source.id);
    expect(queries).toEqual([null, null]);

    // An unknown action is not forwarded.
    expect((await post(`${jobs}/delete`, cookie, csrf)).status).toBe(404);
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { admin, sendSignedWebhook, signIn, skipReason, useBrowser } from "./support";

/**
 * Keyboard and screen-reader basics on every console page, in Chromium: accessible names from Chromium's
 * own accessibility tree (the names a screen reader announces), a visible focus indicator on whatever
 * the Tab key reaches, the page's main actions reachable by Tab, and WCAG AA text contrast computed from
 * the rendered colours. No axe-core: the checks below are the few rules the console promises, small
 * enough to read.
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @see https://www.w3.org/TR/accname-1.2/
 */

/** Roles whose nodes must carry a name: form controls, buttons, links, images. */
const NAMED_ROLES = new Set([
  "textbox",
  "searchbox",
  "combobox",
  "listbox",
  "checkbox",
  "radio",
  "spinbutton",
  "slider",
  "switch",
  "button",
  "link",
  "image",
  "img",
]);

interface AxProblem {
  role: string;
  name: string;
  html: string;
}

/** Nodes of Chromium's accessibility tree that need a name and have none (or, for links, only a number). */
async function unnamedNodes(page: Page): Promise<AxProblem[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as {
      nodes: {
        ignored: boolean;
        role?: { value: string };
        name?: { value: string };
        backendDOMNodeId?: number;
      }[];
    };
    const problems: AxProblem[] = [];
    for (const node of nodes) {
      const role = node.role?.value ?? "";
      if (node.ignored || !NAMED_ROLES.has(role)) continue;
      const name = (node.name?.value ?? "").trim();
      // A link named only by a figure ("12") says nothing out of context (WCAG 2.4.4).
      const bad = name === "" || (role === "link" && !/\p{L}/u.test(name));
      if (!bad) continue;
      let html = "";
      if (node.backendDOMNodeId !== undefined) {
        const { object } = (await cdp.send("DOM.resolveNode", { backendNodeId: node.backendDOMNodeId })) as {
          object: { objectId?: string };
        };
        if (object.objectId) {
          const { result } = (await cdp.send("Runtime.callFunctionOn", {
            objectId: object.objectId,
            functionDeclaration:
              "function () { return (this.outerHTML || this.nodeName || '').slice(0, 160); }",
            returnByValue: true,
          })) as { result: { value: string } };
          html = result.value;
        }
      }
      problems.push({ role, name, html });
    }
    return problems;
  } finally {
    await cdp.detach();
  }
}

/** The in-page probes (plain browser JavaScript), evaluated as text: the test's TypeScript has no DOM types. */
const PROBE = readFileSync(path.join(import.meta.dirname, "a11y-probe.js"), "utf8");

/** Runs `call` (e.g. "lowContrast()") in the page with the probe's functions in scope. */
function probe<T>(page: Page, call: string): Promise<T> {
  return page.evaluate<T>(`(() => { ${PROBE}\n return ${call}; })()`);
}

interface TabStop {
  name: string;
  tag: string;
  type: string;
  indicator: boolean;
  /** The focused element's outline and box-shadow, for the failure message. */
  style: string;
}

/** Presses Tab up to `max` times from the top of the page (stopping when focus comes round again) and records each stop. */
async function tabThrough(page: Page, max = 120): Promise<TabStop[]> {
  await probe(page, "resetFocus()");
  const stops: TabStop[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const stop = await probe<TabStop | null>(page, "focusStop()");
    if (!stop) continue;
    if (stops.length > 3 && stop.name === stops[0]!.name && stop.tag === stops[0]!.tag) break;
    stops.push(stop);
  }
  return stops;
}

describe.skipIf(skipReason)("console in Chromium: keyboard and screen-reader basics on every page", () => {
  const { newPage } = useBrowser();

  it("names every control, image and link, shows focus, reaches the main actions by Tab, and keeps text contrast ≥ 4.5:1", async () => {
    // Data, so that every page shows its tables and detail views: a source, a delivery, a profile.
    const run = crypto.randomUUID().slice(0, 8);
    const secret = `shpss_a11y_${run}`;
    const email = `a11y.${run}@example.com`;
    const created = await admin<{ id: string; ingestUrl: string }>("/v1/admin/sources", {
      json: { name: `a11y shop ${run}`, type: "shopify", secret },
    });
    expect(created.status).toBe(201);
    const sent = await sendSignedWebhook(
      { ingestUrl: created.body.ingestUrl, type: "shopify", secret },
      { id: 7, email, total_price: "9.00" },
      "orders/create",
    );
    expect(sent.status).toBe(202);
    const fileSource = await admin("/v1/admin/sources", {
      json: {
        name: `a11y file ${run}`,
        type: "csv-file",
        secret: `mk_a11y_${run}_0123456789abcdef`,
        mapping: { identifiers: { email: "$.email" } },
      },
    });
    expect(fileSource.status).toBe(201);
    let profileId = "";
    for (let i = 0; i < 60 && !profileId; i++) {
      const found = await admin<{ id?: string; profileId?: string }>(
        `/v1/admin/profiles?workspace=default&identifier=email:${encodeURIComponent(email)}`,
      );
      if (found.status === 200) profileId = found.body.id ?? found.body.profileId ?? "";
      else await new Promise((r) => setTimeout(r, 300));
    }
    expect(profileId).not.toBe("");
    const deliveries = await admin<{ data: { id: string }[] }>(
      `/v1/admin/deliveries?sourceId=${created.body.id}`,
    );
    const deliveryId = deliveries.body.data[0]!.id;

    // Each page with the actions an operator must reach by keyboard (names as announced).
    const pages: { path: string; actions: RegExp[] }[] = [
      { path: "/console", actions: [/^Skip to/, /^Sources$/, /^Deliveries$/, /^Sign out$/] },
      { path: "/console/sources", actions: [/^New source$/] },
      { path: "/console/sources/new", actions: [/^Source type$/, /^Continue$/] },
      // The delete button stays disabled until the name is typed: its confirmation field is the stop.
      { path: `/console/sources/${created.body.id}`, actions: [/^Rotate secret$/, /^Type .+ to confirm$/] },
      { path: "/console/deliveries", actions: [/^Source$/, /^From \(UTC\)$/, /^To \(UTC\)$/, /^Search$/] },
      { path: `/console/deliveries/${deliveryId}`, actions: [/^Sign out$/] },
      { path: "/console/dead-letters", actions: [/^Filter$/, /^Replay all dead letters matching/] },
      { path: "/console/profiles", actions: [/^Search$/] },
      { path: `/console/profiles/${profileId}`, actions: [/^Export/, /^Type .+ to confirm$/] },
      { path: "/console/identity", actions: [/^Save rules$|^Save/] },
      { path: "/console/pull", actions: [/^Upload and import$/] },
      { path: "/console/enrichment", actions: [/^Sign out$/] },
      { path: "/console/alerts", actions: [/^Sign out$/] },
    ];

    const signInPage = await newPage();
    await signInPage.goto("/console/sign-in");
    const report: Record<string, unknown> = {};
    const audit = async (page: Page, path: string, actions: RegExp[]) => {
      const stops = await tabThrough(page);
      const problems = {
        unnamed: await unnamedNodes(page),
        noAlternative: await probe<string[]>(page, "missingAlternatives()"),
        lowContrast: await probe<unknown[]>(page, "lowContrast()"),
        noFocusIndicator: stops
          .filter((s) => !s.indicator)
          .map((s) => `${s.tag}[${s.type}] ${s.name}: ${s.style}`),
        unreachable: actions.filter((a) => !stops.some((s) => a.test(s.name))).map(String),
      };
      if (Object.values(problems).some((p) => p.length > 0)) report[path] = problems;
    };
    await audit(signInPage, "/console/sign-in", [/^Admin token$/, /^Sign in$/]);

    const page = await newPage();
    await signIn(page);
    for (const { path, actions } of pages) {
      await page.goto(path);
      await page.waitForLoadState("load");
      await audit(page, path, actions);
    }
    expect(report).toEqual({});
  });

  it("its probes find what they look for (a planted faint text, unnamed button, figure-only link, hidden focus)", async () => {
    const page = await newPage();
    await page.goto("/console/sign-in");
    // Planted through the DOM and CSSOM from the test (the CSP forbids inline styles in markup).
    await page.evaluate(`(() => {
      const main = document.querySelector("main") ?? document.body;
      const faint = document.createElement("p");
      faint.textContent = "faint words";
      faint.style.color = "#b0b0b0";
      const button = document.createElement("button");
      const link = document.createElement("a");
      link.href = "#";
      link.textContent = "12";
      const input = document.createElement("input");
      input.id = "planted";
      input.setAttribute("aria-label", "Planted field");
      input.style.setProperty("outline", "none", "important");
      input.style.setProperty("box-shadow", "none", "important");
      main.append(faint, button, link, input);
    })()`);
    expect(await probe<{ text: string }[]>(page, "lowContrast()")).toEqual([
      expect.objectContaining({ text: "faint words" }),
    ]);
    const unnamed = await unnamedNodes(page);
    expect(unnamed.map((u) => u.role).sort()).toEqual(["button", "link"]);
    const stops = await tabThrough(page);
    expect(stops.find((s) => s.name === "Planted field")?.indicator).toBe(false);
    expect(stops.find((s) => s.name === "Admin token")?.indicator).toBe(true);
  });
});

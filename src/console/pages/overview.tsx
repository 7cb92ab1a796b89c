import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console: Overview (placeholder until the page is built). */
export function registerOverviewPage(app: ConsoleApp): void {
  app.get("/", (c) =>
    c.render(
      <Coming what="The overview (deliveries per minute by disposition, top rejection reasons, backlog, dead letters, failing poll jobs, open breakers, recent alerts)" />,
      { title: "Overview", nav: "overview" },
    ),
  );
}

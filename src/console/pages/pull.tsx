import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/pull: Pull (placeholder until the page is built). */
export function registerPullPage(app: ConsoleApp): void {
  app.get("/pull", (c) =>
    c.render(<Coming what="Poll jobs and file imports" />, { title: "Pull", nav: "pull" }),
  );
}

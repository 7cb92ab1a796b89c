import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/sources: Sources (placeholder until the page is built). */
export function registerSourcesPage(app: ConsoleApp): void {
  app.get("/sources", (c) =>
    c.render(<Coming what="Sources (list, create, rotate and revoke secrets, write keys, delete)" />, {
      title: "Sources",
      nav: "sources",
    }),
  );
}

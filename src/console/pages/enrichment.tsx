import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/enrichment: Enrichment (placeholder until the page is built). */
export function registerEnrichmentPage(app: ConsoleApp): void {
  app.get("/enrichment", (c) =>
    c.render(<Coming what="Extensions and activity indicators" />, {
      title: "Enrichment",
      nav: "enrichment",
    }),
  );
}

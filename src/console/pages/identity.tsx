import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/identity: Identity (placeholder until the page is built). */
export function registerIdentityPage(app: ConsoleApp): void {
  app.get("/identity", (c) =>
    c.render(<Coming what="Identity rules, quarantined values and flags for review" />, {
      title: "Identity",
      nav: "identity",
    }),
  );
}

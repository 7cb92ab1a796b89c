import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/alerts: Alerts (placeholder until the page is built). */
export function registerAlertsPage(app: ConsoleApp): void {
  app.get("/alerts", (c) =>
    c.render(<Coming what="Alert rules, channels and recent alerts" />, { title: "Alerts", nav: "alerts" }),
  );
}

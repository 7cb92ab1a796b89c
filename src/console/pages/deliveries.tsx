import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/deliveries: Deliveries (placeholder until the page is built). */
export function registerDeliveriesPage(app: ConsoleApp): void {
  app.get("/deliveries", (c) =>
    c.render(<Coming what="The delivery log (search, filters, detail with body and disposition)" />, {
      title: "Deliveries",
      nav: "deliveries",
    }),
  );
}

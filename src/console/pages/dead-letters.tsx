import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/dead-letters: Dead letters (placeholder until the page is built). */
export function registerDeadLettersPage(app: ConsoleApp): void {
  app.get("/dead-letters", (c) =>
    c.render(<Coming what="Dead letters (inspect, replay one or many, delete)" />, {
      title: "Dead letters",
      nav: "dead-letters",
    }),
  );
}

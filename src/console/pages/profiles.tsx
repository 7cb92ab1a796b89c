import { Coming } from "../components/coming";
import type { ConsoleApp } from "./page";

/** GET /console/profiles: Profiles (placeholder until the page is built). */
export function registerProfilesPage(app: ConsoleApp): void {
  app.get("/profiles", (c) =>
    c.render(<Coming what="Profiles (search by identifier, traits, events, merges, export, erase)" />, {
      title: "Profiles",
      nav: "profiles",
    }),
  );
}

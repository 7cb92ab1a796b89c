import type { DerivedState } from "../identity/derived-state";
import { indicatorRunStatements, indicatorStatements } from "./statements";

/**
 * Activity indicators' per-event state: one contribution row per matching indicator, written with
 * each newly stored event (statements.ts), and deleted with the events of an erased person.
 */
export const indicatorState: DerivedState = {
  module: "indicators",
  eventStatements: indicatorStatements,
  runStatements: indicatorRunStatements,
  async erase(_env, { db, events }) {
    return {
      statements: [
        db
          .prepare("DELETE FROM indicator_contributions WHERE event_id IN (SELECT value FROM json_each(?1))")
          .bind(JSON.stringify(events.map((e) => e.id))),
      ],
    };
  },
};

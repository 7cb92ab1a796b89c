import { type PendingEnrichment, pendingEnrichments } from "../enrichment/pending";
import { type IndicatorValues, readIndicators } from "../indicators/read";

/** What the profile view shows of enrichment: activity indicators and async enrichments still out. */
export interface ProfileEnrichment {
  /** Indicator name → value, aggregated over the profile's stored events now. */
  indicators: IndicatorValues;
  /** Async extensions that have not answered yet for the profile's events: their values are pending. */
  pendingEnrichments: PendingEnrichment[];
}

/** The {@link ProfileEnrichment} of live profile `profileId` of `workspace`. */
export async function profileEnrichment(
  db: D1Database,
  workspace: string,
  profileId: string,
): Promise<ProfileEnrichment> {
  const [indicators, pending] = await Promise.all([
    readIndicators(db, workspace, [profileId]),
    pendingEnrichments(db, profileId),
  ]);
  return { indicators, pendingEnrichments: pending };
}

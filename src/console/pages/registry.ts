import { registerAlertsPage } from "./alerts";
import { registerDeadLettersPage } from "./dead-letters";
import { registerDeliveriesPage } from "./deliveries";
import { registerEnrichmentPage } from "./enrichment";
import { registerErasurePage } from "./erasure";
import { registerIdentityPage } from "./identity";
import { registerOverviewPage } from "./overview";
import type { RegisterPage } from "./page";
import { registerProfilePage } from "./profile";
import { registerProfilesPage } from "./profiles";
import { registerPullPage } from "./pull";
import { registerSourcesPage } from "./sources";

/**
 * Every console page, one line each. A new page is one file in src/console/pages/ exporting a
 * {@link RegisterPage} and one line here (keep the list sorted, so parallel additions do not collide).
 */
export const PAGES: readonly RegisterPage[] = [
  registerAlertsPage,
  registerDeadLettersPage,
  registerDeliveriesPage,
  registerEnrichmentPage,
  registerErasurePage,
  registerIdentityPage,
  registerOverviewPage,
  registerProfilePage,
  registerProfilesPage,
  registerPullPage,
  registerSourcesPage,
];

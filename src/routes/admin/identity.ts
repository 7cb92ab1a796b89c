import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { registerEraseProfile } from "./erase-profile";
import { registerExportProfile } from "./export-profile";
import { registerGetErasureReceipt } from "./get-erasure-receipt";
import { registerGetIdentityProjection } from "./get-identity-projection";
import { registerGetIdentityRules } from "./get-identity-rules";
import { registerGetProfileGraph } from "./get-profile-graph";
import { registerListIdentityFlags } from "./list-identity-flags";
import { registerListProfileMerges } from "./list-profile-merges";
import { registerListQuarantine } from "./list-quarantine";
import { registerPutIdentityRules } from "./put-identity-rules";
import { registerRebuildIdentityGraph } from "./rebuild-identity-graph";
import { registerReleaseQuarantine } from "./release-quarantine";
import { registerSearchProfiles } from "./search-profiles";

/**
 * Registers the identity admin routes: per-workspace rules, review flags and quarantine; a profile's
 * search, merges, identity graph, export and erasure (with its receipt); the graph's projection lag and its rebuild from D1. Lookups (find/get profile, events) are registered with the profile routes.
 */
export function registerIdentityAdmin(app: OpenAPIHono<AppEnv>): void {
  registerGetIdentityRules(app);
  registerPutIdentityRules(app);
  registerListIdentityFlags(app);
  registerListQuarantine(app);
  registerReleaseQuarantine(app);
  registerSearchProfiles(app);
  registerListProfileMerges(app);
  registerGetProfileGraph(app);
  registerExportProfile(app);
  registerEraseProfile(app);
  registerGetErasureReceipt(app);
  registerGetIdentityProjection(app);
  registerRebuildIdentityGraph(app);
}

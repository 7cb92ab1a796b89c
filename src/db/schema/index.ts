/** Every D1 table, one file per aggregate. drizzle-kit reads this file to generate migrations/. */

export * from "./alerts";
export * from "./archive";
export * from "./console-sessions";
export * from "./deliveries";
export * from "./erasures";
export * from "./event-retention";
export * from "./events";
export * from "./extensions";
export * from "./file-imports";
export * from "./identity-projection";
export * from "./identity-review";
export * from "./identity-rules";
export * from "./indicators";
export * from "./poll-jobs";
export * from "./profiles";
export * from "./source-apis";
export * from "./sources";
export * from "./write-keys";

/** Every D1 table, one file per aggregate. drizzle-kit reads this file to generate migrations/. */
export * from "./deliveries";
export * from "./events";
export * from "./profiles";
export * from "./sources";

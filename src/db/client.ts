import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** A drizzle client over the D1 binding, with the full schema for typed queries. */
export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** The drizzle client type used across modules. */
export type Database = ReturnType<typeof database>;

import type { ChildProcess, StdioOptions } from "node:child_process";

export const WRANGLER: string;
export const D1_BINDINGS: string[];
export function wranglerEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export function migrateLocal(options?: { persistTo?: string }): { binding: string; applied: number }[];
export function spawnGateway(options: {
  port: number | string;
  persistTo?: string;
  envFile?: string;
  stdio?: StdioOptions;
  detached?: boolean;
}): ChildProcess;

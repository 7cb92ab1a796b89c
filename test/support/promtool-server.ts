import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL that runs `promtool check metrics` on a POSTed body; "" when promtool is not installed. */
    promtoolUrl: string;
  }
}

/**
 * Global setup (runs in Node, beside workerd): a loopback HTTP server that lints a POSTed metrics
 * text with Prometheus' own `promtool check metrics` (Debian package `prometheus`) and answers its
 * exit code and output, so a test inside workerd can prove `/metrics` is what a real Prometheus
 * accepts. Without promtool the URL is "" and the test says so (`.ci/run` installs it and requires it).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const installed = spawnSync("promtool", ["--version"]).status === 0;
  if (!installed) {
    if (process.env.REQUIRE_PROMTOOL === "1")
      throw new Error("promtool is required (apt-get install prometheus)");
    project.provide("promtoolUrl", "");
    return async () => undefined;
  }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const result = spawnSync("promtool", ["check", "metrics"], { input: Buffer.concat(chunks) });
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          status: result.status,
          output: `${result.stdout?.toString() ?? ""}${result.stderr?.toString() ?? ""}`,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("promtoolUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`);
  return () => new Promise((resolve) => server.close(() => resolve()));
}

import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

/**
 * An msw server for the calling test file: listening from the first test (an unhandled request fails
 * the test, so nothing reaches the network), handlers reset after each test, closed after the last.
 * Call at module level; each test adds its handlers with `server.use(...)`.
 */
export function mockServer(): ReturnType<typeof setupServer> {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

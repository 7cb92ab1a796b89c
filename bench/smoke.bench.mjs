// Smoke: the harness starts the built Worker and answers.
import { startGateway } from "./lib/gateway.mjs";

const gateway = await startGateway();
const started = performance.now();
const response = await fetch(`${gateway.url}/`);
console.log(`GET / → ${response.status} in ${(performance.now() - started).toFixed(1)} ms`);
await gateway.stop();

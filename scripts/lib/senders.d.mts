// Types of senders.mjs for the TypeScript tests that reuse its signers (test/console/e2e).
export function shopifySample(topic: string, version?: string): Record<string, unknown>;
export function githubSamples(name: string): Record<string, unknown>[];
export function signShopify(secret: string, body: string, topic: string): Record<string, string>;
export function signGitHub(secret: string, body: string, event: string): Promise<Record<string, string>>;
export function signStripe(secret: string, body: string): Record<string, string>;
export function signStandardWebhooks(secret: string, body: string, id?: string): Record<string, string>;
export function stripeCustomerEvent(fields: {
  customerId: string;
  email: string;
  name: string;
  created?: number;
}): Record<string, unknown>;

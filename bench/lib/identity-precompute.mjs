// The queue consumer's share of the identity work (src/pipeline/precompute.ts: identifiers normalized,
// stored ids derived), done in Node with the same modules, bundled, under the default rules (version
// 0, never saved: what a fresh workspace has). Used by bench/identity.bench.mjs ("prepared") and
// bench/profile-identity.mjs (PREPARED=1).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";

/** Returns `(batch) => Promise<Precomputed>` for canonical events of a fresh workspace; `root` = the repository. */
export async function loadPrecompute(root) {
  const outdir = mkdtempSync(path.join(tmpdir(), "tributary-pre-"));
  const entry = path.join(outdir, "entry.ts");
  writeFileSync(
    entry,
    `export { precompute } from ${JSON.stringify(path.join(root, "src/identity/graph.ts"))};
     export { resolverContext } from ${JSON.stringify(path.join(root, "src/identity/rules-store.ts"))};
     export { defaultRules } from ${JSON.stringify(path.join(root, "src/identity/rules.ts"))};`,
  );
  const outfile = path.join(outdir, "precompute.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    logLevel: "silent",
  });
  const { precompute, resolverContext, defaultRules } = await import(outfile);
  const context = resolverContext({ workspace: "", version: 0, updatedAt: null, rules: defaultRules() });
  return (batch) => precompute(batch, context);
}

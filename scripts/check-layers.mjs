#!/usr/bin/env node
/**
 * Keeps the runtime imports between src/'s top-level folders acyclic, so each folder can be read (and
 * changed) knowing only the folders below it. Type-only imports (`import type`, `export type`) are
 * exempt: they vanish at build time. Prints the folders in dependency order, or every cycle found and
 * exits 1. Usage: `npm run check:layers`.
 */
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "src");

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Top-level unit of a file: its folder under src/, or the file itself (index.ts). */
const unitOf = (file) => path.relative(root, file).split(path.sep)[0];

function resolveImport(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  // "./x.js" may name x.ts (TypeScript's ESM convention); a text module (.css, .js asset) names itself.
  const bare = base.replace(/\.js$/, "");
  for (const c of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${bare}.ts`,
    `${bare}.tsx`,
    path.join(base, "index.ts"),
  ]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

// A runtime import statement: not `import type`/`export type`; side-effect imports count.
const importRe = /^\s*(import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s*)?["'](\.{1,2}\/[^"']*)["']/gms;
const dynamicRe = /\bimport\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g;

const edges = new Map(); // unit -> Map(unit -> example "file -> file")
for (const file of listFiles(root)) {
  const text = fs.readFileSync(file, "utf8");
  const specs = [...text.matchAll(importRe)]
    .map((m) => m[2])
    .concat([...text.matchAll(dynamicRe)].map((m) => m[1]));
  for (const spec of specs) {
    const target = resolveImport(file, spec);
    if (!target) continue;
    const [a, b] = [unitOf(file), unitOf(target)];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    if (!edges.get(a).has(b))
      edges.get(a).set(b, `${path.relative(root, file)} -> ${path.relative(root, target)}`);
  }
}

// Tarjan's strongly connected components: any component with more than one unit is a cycle.
const units = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
let index = 0;
const idx = new Map(),
  low = new Map(),
  onStack = new Set(),
  stack = [],
  components = [];
function strongConnect(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      c.push(w);
    } while (w !== v);
    components.push(c);
  }
}
for (const u of units) if (!idx.has(u)) strongConnect(u);

const cycles = components.filter((c) => c.length > 1);
if (cycles.length > 0) {
  for (const c of cycles) {
    console.error(`Import cycle between src/ folders: ${c.join(", ")}`);
    for (const a of c)
      for (const [b, why] of edges.get(a) ?? []) if (c.includes(b)) console.error(`  ${why}`);
  }
  process.exit(1);
}
// Tarjan emits components in reverse topological order: dependencies first.
console.log(
  `src/ folders in dependency order (each imports only earlier ones): ${components.flat().join(" < ")}`,
);

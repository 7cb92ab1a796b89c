// The V8 inspector of one isolate in a miniflare-started workerd (start the gateway with
// `inspectorPort: 0`): heap figures of that isolate alone, which the process's RSS cannot give (local
// D1 and R2 run in the same process). Chrome DevTools Protocol over the target's WebSocket:
// https://chromedevtools.github.io/devtools-protocol/v8/Runtime/#method-getHeapUsage and
// https://chromedevtools.github.io/devtools-protocol/v8/HeapProfiler/
import { createWriteStream } from "node:fs";
import path from "node:path";
import WebSocket from "ws";

/**
 * Opens the inspector of the isolate whose target title or URL matches `name` (workerd names a
 * worker's target after the worker, e.g. "tributary"; miniflare's own workers have other names).
 * Returns { title, call(method, params) → result, heapUsage(), collectGarbage(wake), snapshot(file), close() }.
 * @throws Error when no target matches (listing the titles found)
 */
export async function openInspector(mf, name = /tributary/) {
  const base = (await mf.getInspectorURL()).toString().replace(/^ws/, "http").replace(/\/$/, "");
  const targets = await (await fetch(`${base}/json/list`)).json();
  const target = targets.find((t) => [t.title, t.url, t.id].some((field) => name.test(field ?? "")));
  if (!target)
    throw new Error(`no inspector target matches ${name}: ${targets.map((t) => t.title).join(", ")}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 2 ** 31 });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 0;
  const pending = new Map();
  const listeners = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${message.error.message} (${message.error.code})`));
      else waiter?.resolve(message.result);
    } else listeners.get(message.method)?.(message.params);
  });
  /** Sends one protocol command and resolves with its result. */
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    title: target.title,
    call,
    /** { usedSize, totalSize } in bytes: the JS heap (ArrayBuffer contents live outside it). */
    heapUsage: () => call("Runtime.getHeapUsage"),
    /**
     * A full, forced garbage collection of this isolate. V8 runs it as a task on the isolate's thread,
     * and workerd runs such tasks only when the isolate is next entered: an idle isolate answers once
     * `wake()` (e.g. any HTTP request to the worker) has run, so it is called every 200 ms until then.
     */
    async collectGarbage(wake) {
      const done = call("HeapProfiler.collectGarbage");
      let answered = false;
      void done.finally(() => {
        answered = true;
      });
      while (!answered && wake) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (!answered) await wake();
      }
      return done;
    },
    /** Writes a .heapsnapshot (open in Chrome DevTools' Memory tab) to `file`; resolves when done. */
    async snapshot(file) {
      const out = createWriteStream(file);
      listeners.set("HeapProfiler.addHeapSnapshotChunk", ({ chunk }) => out.write(chunk));
      await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false, captureNumericValue: false });
      listeners.delete("HeapProfiler.addHeapSnapshotChunk");
      await new Promise((resolve) => out.end(resolve));
    },
    close: () => ws.close(),
  };
}

/**
 * Self time per function from a V8 .cpuprofile (Profiler.stop's `profile`), most first: [key, µs],
 * key = "function file:line".
 * @see https://chromedevtools.github.io/devtools-protocol/v8/Profiler/#type-Profile
 */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const key = frameKey(byId.get(profile.samples[i]).callFrame);
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return [...self].sort((a, b) => b[1] - a[1]);
}

/** Inclusive time per function (each function counted once per sample), most first: [key, µs]. */
export function inclusiveTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const key = frameKey(byId.get(id).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
    }
  }
  return [...total].sort((a, b) => b[1] - a[1]);
}

function frameKey({ functionName, url, lineNumber }) {
  return `${functionName || "(anonymous)"} ${path.basename(url || "")}:${lineNumber + 1}`;
}

/**
 * Time of native frames (no script URL: SQLite's `exec`, structured clones, the garbage collector…)
 * by the nearest JavaScript function above them, most first: [key, µs]. Says which of our calls the
 * native time belongs to, which self times cannot.
 */
export function nativeByCaller(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const leaf = byId.get(profile.samples[i]);
    if (leaf.callFrame.url) continue;
    let id = parent.get(leaf.id);
    while (id !== undefined && !byId.get(id).callFrame.url) id = parent.get(id);
    const key = `${frameKey(leaf.callFrame)} ← ${id === undefined ? "(top)" : frameKey(byId.get(id).callFrame)}`;
    total.set(key, (total.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return [...total].sort((a, b) => b[1] - a[1]);
}

// Server CPU for benchmarks: utime+stime of the workerd processes this bench started (miniflare's
// runtime), read from /proc/<pid>/stat (Linux only).
// See https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html (fields 14 utime, 15 stime).
import { readdirSync, readFileSync } from "node:fs";

/** Linux USER_HZ: /proc/<pid>/stat times are in these ticks. */
const CLK_TCK = 100;

/**
 * Fields after the command name of a /proc/<pid>/stat line (the name is in parentheses and may hold
 * spaces); index 1 is the parent pid, 11 and 12 are utime and stime in ticks.
 */
function statFields(stat) {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime+stime of process `pid`, in ms. */
export function workerdCpuMs(pid) {
  const fields = statFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** The workerd processes descending from this Node process: pid (as in /proc) → CPU ms so far. */
function workerdDescendants() {
  const parents = new Map();
  const workerd = new Map();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = statFields(stat);
      parents.set(entry, fields[1]);
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === "workerd")
        workerd.set(entry, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK);
    } catch {}
  }
  const mine = (pid) => {
    for (let p = pid; p && p !== "0" && p !== "1"; p = parents.get(p))
      if (p === String(process.pid)) return true;
    return false;
  };
  return new Map([...workerd].filter(([pid]) => mine(pid)));
}

/**
 * The one workerd process started by this bench (a descendant of this Node process) that is not in
 * `known` (the pids of gateways started earlier in the same bench); throws otherwise.
 */
export function findWorkerd(known = []) {
  const found = [...workerdDescendants().keys()].filter((pid) => !known.includes(pid));
  if (found.length !== 1) throw new Error(`expected one new workerd child, found ${found.length}`);
  return found[0];
}

/** CPU ms so far, summed over every workerd process this bench started. */
export function allWorkerdCpuMs() {
  let total = 0;
  for (const cpuMs of workerdDescendants().values()) total += cpuMs;
  return total;
}

// Draws the overview's deliveries-per-minute chart with uPlot (served from /console/assets, no CDN).
// The data comes from the element's data-ops-chart attribute (JSON written by the server); nothing
// inline, so the console's CSP needs no exception. Without script the page shows the totals table.
(() => {
  const COLORS = {
    stored: "#1f7a3a",
    merged: "#1f4fbf",
    duplicate: "#6b6f7a",
    ignored: "#a07900",
    rejected: "#b3261e",
    dead_lettered: "#7a1fa2",
    replayed: "#00838f",
  };
  const el = document.querySelector("[data-ops-chart]");
  if (!el || typeof uPlot !== "function") return;
  const data = JSON.parse(el.getAttribute("data-ops-chart") || "{}");
  if (!Array.isArray(data.minutes) || data.minutes.length === 0) return;
  const width = () => Math.max(320, el.clientWidth);
  const chart = new uPlot(
    {
      width: width(),
      height: 260,
      series: [
        {},
        ...data.series.map((s) => ({
          label: s.label,
          stroke: COLORS[s.kind] || "#1a1f2b",
          width: 2,
          points: { show: false },
        })),
      ],
      axes: [{}, { label: "per minute", size: 60 }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      legend: { live: true },
    },
    [data.minutes, ...data.series.map((s) => s.counts)],
    el,
  );
  window.addEventListener("resize", () => chart.setSize({ width: width(), height: 260 }));
})();

import { assetUrl } from "../assets";

/**
 * The stylesheet of the overview, sources, deliveries and dead-letter pages and, with `chart`, uPlot
 * and the script that draws the overview's chart. Placed in the page body (a stylesheet link is
 * allowed there); all from /console/assets, so the CSP needs no exception.
 */
export function OpsAssets({ chart = false }: { chart?: boolean }) {
  return (
    <>
      <link rel="stylesheet" href={assetUrl("ops.css")} />
      {chart ? (
        <>
          <link rel="stylesheet" href={assetUrl("uplot.css")} />
          <script src={assetUrl("uplot.js")} defer />
          <script src={assetUrl("ops-chart.js")} defer />
        </>
      ) : null}
    </>
  );
}

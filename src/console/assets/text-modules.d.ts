// Files under src/console/assets are bundled as text modules (wrangler.toml [[rules]] type "Text"; the
// vitest workers pool reads the same rules): importing one yields its content as a string.
declare module "*.css" {
  const text: string;
  export default text;
}

// uPlot's browser build, bundled as a text module and served at /console/assets/uplot.js.
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}

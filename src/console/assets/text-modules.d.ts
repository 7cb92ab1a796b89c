// Files under src/console/assets are bundled as text modules (wrangler.toml [[rules]] type "Text"; the
// vitest workers pool reads the same rules): importing one yields its content as a string.
declare module "*.css" {
  const text: string;
  export default text;
}

// console.js is bundled as a text module (wrangler.toml [[rules]]): importing it yields its source.
declare const text: string;
export default text;

// ssh2's algorithm lists, which @types/ssh2 does not describe: what this runtime's node:crypto supports.
declare module "ssh2/lib/protocol/constants.js" {
  export const SUPPORTED_KEX: string[];
  export const SUPPORTED_SERVER_HOST_KEY: string[];
}

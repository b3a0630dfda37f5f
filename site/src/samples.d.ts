/** The bundled examples/ traces and policies, inlined at build time by site/build.ts. */
declare module 'samples:examples' {
  export const traces: Readonly<Record<string, string>>;
  export const policies: Readonly<Record<string, string>>;
}

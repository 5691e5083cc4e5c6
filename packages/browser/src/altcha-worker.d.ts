// Provided by build.ts: altcha-lib/v1's worker, bundled as one classic script.
declare module 'latchkey:altcha-worker' {
  const source: string;
  export default source;
}

/** The parameters' values concatenated in order: the flat vector a data-parallel worker step reads. */
export function flatParams(params: readonly { data: Float32Array }[]): Float32Array {
  const flat = new Float32Array(params.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of params) {
    flat.set(p.data, at);
    at += p.data.length;
  }
  return flat;
}

/**
 * The stream's ordering rule (protocol/README.md): an `update` carries
 * `seq == previous seq + 1 + skipped`. Anything else means the client missed a frame it was
 * never told about, so what it shows may be stale and it must subscribe again.
 */
export function isGap(previousSeq: number | undefined, seq: number, skipped: number): boolean {
  if (previousSeq === undefined) return true;
  return seq !== previousSeq + 1 + skipped;
}

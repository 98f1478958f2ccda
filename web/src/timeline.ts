// Where captures sit on a device's timeline: by time, so gaps in a trap's record show as gaps.

export function timelinePositions(times: number[]): number[] {
  if (times.length === 0) return [];
  const first = times[0]!;
  const span = times[times.length - 1]! - first;
  if (span <= 0) return times.map((_, i) => (times.length === 1 ? 0 : i / (times.length - 1)));
  return times.map((t) => (t - first) / span);
}

// The capture nearest a point of the timeline (positions ascending).
export function nearestIndex(positions: number[], fraction: number): number {
  let low = 0;
  let high = positions.length - 1;
  if (high < 0) return -1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (positions[middle]! < fraction) low = middle + 1;
    else high = middle;
  }
  if (low > 0 && Math.abs(positions[low - 1]! - fraction) <= Math.abs(positions[low]! - fraction)) return low - 1;
  return low;
}

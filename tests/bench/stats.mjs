// Median, min and max of a list of numbers, and a fixed-width figure for tables.
export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

export const fmt = (x, digits = 1) => x.toFixed(digits);

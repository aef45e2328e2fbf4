// Did you mean? The closest known name to a misspelt one, for the loader's messages.

/** Damerau–Levenshtein distance (optimal string alignment): "reprot" is one step from "report". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest candidate, if it is close enough to be a typo (a third of the word's letters at most) or begins
 * with the word; ties go to the first in alphabetical order.
 */
export function suggest(word: string, candidates: Iterable<string>): string | null {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of [...candidates].sort()) {
    // `timeout` for `timeout_ms`: a word that begins a longer name is as good as the worst typo
    const prefix = word.length >= 4 && candidate.toLowerCase().startsWith(word.toLowerCase());
    const distance = Math.min(
      editDistance(word.toLowerCase(), candidate.toLowerCase()),
      prefix ? limit : Infinity,
    );
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** "; did you mean `report`?", or nothing when no name is close. */
export function didYouMean(
  word: string,
  candidates: Iterable<string>,
  quote = (s: string) => `\`${s}\``,
): string {
  const best = suggest(word, candidates);
  return best === null ? '' : `; did you mean ${quote(best)}?`;
}

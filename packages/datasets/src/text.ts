/**
 * Bag-of-words for mail: which text of a message counts, how it splits into
 * words, and which words become features.
 */

/**
 * The text of a raw mail message that its words are taken from: the Subject
 * header's value, a newline, and the body (everything after the first empty
 * line). Other headers are dropped: their routing, dates and list names tell
 * which collection a message came from rather than what it says.
 */
export function messageText(raw: string): string {
  const lines = raw.replace(/\r\n/g, '\n').split('\n');
  const end = lines.indexOf('');
  const headers = end < 0 ? lines : lines.slice(0, end);
  const body = end < 0 ? '' : lines.slice(end + 1).join('\n');
  let subject = '';
  const at = headers.findIndex((l) => /^subject:/i.test(l));
  if (at >= 0) {
    subject = headers[at]!.slice('subject:'.length);
    // a folded header continues on lines that start with a space or tab
    for (let i = at + 1; i < headers.length && /^[ \t]/.test(headers[i]!); i++) subject += headers[i];
  }
  return `${subject.trim()}\n${body}`;
}

/** Longer runs of letters are mostly base64 or other encoded data, not words. */
const MAX_WORD = 20;

/**
 * Words of a text, in order: lower-cased maximal runs of the letters a–z that
 * are 2 to 20 letters long. Anything else separates words ("you've" → you, ve;
 * "a1b2" → none; accented letters split words too).
 */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return words.filter((w) => w.length >= 2 && w.length <= MAX_WORD);
}

/**
 * The n words found in the most documents (document frequency), most frequent
 * first; ties in alphabetical (code unit) order so the result is reproducible.
 */
export function topWords(documents: Iterable<ReadonlySet<string>>, n: number): string[] {
  const df = new Map<string, number>();
  for (const doc of documents) for (const w of doc) df.set(w, (df.get(w) ?? 0) + 1);
  return [...df.entries()]
    .sort(([a, fa], [b, fb]) => fb - fa || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, n)
    .map(([w]) => w);
}

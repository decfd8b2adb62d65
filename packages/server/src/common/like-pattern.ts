/** A LIKE / ILIKE pattern matching `text` anywhere: `%`, `_` and `\` in it are matched literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

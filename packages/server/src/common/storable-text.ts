/** PostgreSQL text cannot hold U+0000: a parameter with it fails the whole statement instead of matching nothing. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000');
}

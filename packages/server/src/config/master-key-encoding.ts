/** Length of a master key (AES-256). */
export const MASTER_KEY_BYTES = 32;

/**
 * The master key that `text` writes in base64 (as `openssl rand -base64 32` does), or undefined. Only
 * canonical base64 of exactly 32 bytes counts: Node's decoder skips characters that are not base64, so a
 * passphrase of 43 letters or more would otherwise pass as a key. White space around the key is ignored.
 */
export function decodeMasterKey(text: string): Buffer | undefined {
  const encoded = text.trim();
  const key = Buffer.from(encoded, 'base64');
  return key.length === MASTER_KEY_BYTES && key.toString('base64') === encoded ? key : undefined;
}

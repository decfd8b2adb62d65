import { ErrorCode } from '@bam/shared';
import { DomainError } from './domain-error.js';
import { isStorableText } from './storable-text.js';

/**
 * A LIKE / ILIKE pattern matching `text` anywhere: `%`, `_` and `\` in it are matched literally.
 * @throws DomainError INVALID_INPUT when the text holds a character PostgreSQL cannot store.
 */
export function containsPattern(text: string): string {
  if (!isStorableText(text)) throw new DomainError(ErrorCode.INVALID_INPUT);
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

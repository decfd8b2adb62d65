import { errorMessageIn, errorMessages, isErrorCode, type OperationWithOwnMessages } from '@bam/shared';
import { shallowRef } from 'vue';
import { type Messages, messagesEn } from './messages.en.js';

type Plural = { one: string; other: string };
type Leaf = string | Plural;

/** Dotted paths to every text of the catalog, e.g. `'manager.remove'`. */
type Paths<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends Leaf ? `${Prefix}${K}` : Paths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

export type MessageKey = Exclude<Paths<Messages>, `errors.${string}`>;
export type MessageParams = Record<string, string | number>;

const current = shallowRef<Messages>(messagesEn);
let locale: string | undefined;

/** Switches the console's language (the catalog and the locale used for plurals, dates and numbers). */
export function setMessages(messages: Messages, newLocale?: string): void {
  current.value = messages;
  locale = newLocale;
}

export function currentLocale(): string | undefined {
  return locale;
}

function lookup(key: string): Leaf | undefined {
  let node: unknown = current.value;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node as Leaf | undefined;
}

function interpolate(text: string, params: MessageParams): string {
  return text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}

/** The text for `key`, with `{placeholders}` filled in; plural entries pick their form from `params.count`. */
export function t(key: MessageKey, params: MessageParams = {}): string {
  const entry = lookup(key);
  if (entry === undefined) return key;
  if (typeof entry === 'string') return interpolate(entry, params);
  const form = new Intl.PluralRules(locale).select(Number(params.count ?? 0)) === 'one' ? entry.one : entry.other;
  return interpolate(form, params);
}

/**
 * The plain-language text for an error code: the console's own wording when it has one, else the
 * shared text (the same the server puts in `message`: the operation's own words for the code when it
 * has some, see `operationErrorMessages`), else a generic text naming the code. Keyed by code (and
 * operation) only; message text from the server is never matched.
 */
export function errorText(code: string, operation?: OperationWithOwnMessages): string {
  const own = (current.value.errors as Record<string, string | undefined>)[code];
  if (own) return own;
  if (isErrorCode(code)) return operation ? errorMessageIn(operation, code) : errorMessages[code];
  return interpolate(current.value.errors.fallback, { code });
}

import { currentLocale, t } from '../i18n/translate.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const dateStyles = {
  date: { dateStyle: 'medium' },
  dateTime: { dateStyle: 'medium', timeStyle: 'medium' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per locale and style: making one costs far more than formatting, and a manager formats thousands of dates. */
function dateFormat(style: keyof typeof dateStyles): Intl.DateTimeFormat {
  const locale = currentLocale();
  const key = `${locale} ${style}`;
  let format = dateFormats.get(key);
  if (!format) dateFormats.set(key, (format = new Intl.DateTimeFormat(locale, dateStyles[style])));
  return format;
}

export function formatDate(iso: string): string {
  return dateFormat('date').format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return dateFormat('dateTime').format(new Date(iso));
}

/** "in 12 days", "20 days ago", "today": how far the expiry is from now. */
export function formatExpiryDistance(iso: string, now: Date = new Date()): string {
  const days = Math.round((new Date(iso).getTime() - now.getTime()) / DAY_MS);
  if (days === 0) return t('expiry.today');
  return days > 0 ? t('expiry.inDays', { count: days }) : t('expiry.daysAgo', { count: -days });
}

/** Bytes as people read them: 850 bytes, 12.5 KB, 1 MB (1 KB = 1,024 bytes, as file managers on Windows show). */
export function formatBytes(bytes: number): string {
  const number = (value: number, digits: number) => new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: digits }).format(value);
  if (bytes < 1024) return t('units.bytes', { value: number(bytes, 0) });
  if (bytes < 1024 * 1024) return t('units.kilobytes', { value: number(bytes / 1024, 1) });
  return t('units.megabytes', { value: number(bytes / (1024 * 1024), 1) });
}

/** A list of names for a sentence: at most `max`, then "…". */
export function formatNames(names: readonly string[], max = 3): string {
  const list = new Intl.ListFormat(currentLocale(), { style: 'long', type: 'conjunction' });
  return names.length <= max ? list.format(names) : `${names.slice(0, max).join(', ')}, …`;
}

import type { BenchRow } from './row.js';

function format(value: number | undefined, digits = 1): string {
  if (value === undefined) return '';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

/** The bench table as Markdown, so it can be pasted into the README as is. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| measurement | unit | project | baseline | ratio | target | result | notes |',
    '| --- | --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows.map((row) =>
      [
        row.name,
        row.unit,
        format(row.project),
        format(row.baseline),
        row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
        row.target ?? '',
        row.pass === undefined ? '' : row.pass ? 'pass' : '**fail**',
        row.note ?? '',
      ].join(' | '),
    ),
  ];
  return lines.map((line) => (line.startsWith('|') ? line : `| ${line} |`)).join('\n');
}

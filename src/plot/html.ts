// Self-contained HTML reports: one file, its pictures inline SVG, its style inline; no script and
// no fetch, so it opens the same from a disk, a mail attachment or a CI artifact. The markup is
// also well-formed XML (void elements closed), which the tests check.
import { esc } from './svg.js';

const STYLE = `body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1180px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; font-size: 13px; } .meta dt { font-weight: 600; float: left; clear: left; width: 9em; } .meta dd { margin: 0 0 2px 9em; }
figure { margin: 12px 0; overflow-x: auto; } svg { max-width: none; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 12px; }`;

export interface HtmlSection {
  heading: string;
  /** Markup (SVG, tables, paragraphs); already escaped. */
  body: string;
}

/** A table; cells are text (escaped here), columns listed in `numeric` are right-aligned. */
export function htmlTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  numeric: ReadonlySet<number> = new Set(),
): string {
  const cell = (tag: 'th' | 'td', text: string, c: number) =>
    `<${tag}${tag === 'td' && numeric.has(c) ? ' class="num"' : ''}>${esc(text)}</${tag}>`;
  return (
    `<table><thead><tr>${header.map((h, c) => cell('th', h, c)).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((t, c) => cell('td', t, c)).join('')}</tr>`).join('\n')}</tbody></table>`
  );
}

/** Name/value pairs such as the machine and versions. */
export function htmlFacts(facts: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="meta">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

export function htmlFigure(svg: string): string {
  return `<figure>${svg}</figure>`;
}

export function htmlParagraph(text: string, className?: string): string {
  return `<p${className ? ` class="${className}"` : ''}>${esc(text)}</p>`;
}

export function htmlPage(o: { title: string; intro?: string; sections: HtmlSection[] }): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>${esc(o.title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(o.title)}</h1>${o.intro ?? ''}
${o.sections.map((s) => `<section><h2>${esc(s.heading)}</h2>\n${s.body}</section>`).join('\n')}
</body></html>
`;
}

import { escapeHtml } from './html.js';

export interface IndexRow {
  readonly scenario: string;
  readonly reference: string;
  readonly variant: string;
  readonly result: string;
  readonly runs: number;
  /** Relative link to the violation's report, if one was written. */
  readonly href: string | null;
  readonly ok: boolean;
}

/** The index page of `mmulab-report/`: one row per search, linking each violation's report. */
export function renderIndexPage(title: string, rows: readonly IndexRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr class="${r.ok ? '' : 'bad'}"><td>${escapeHtml(r.scenario)}</td><td>${escapeHtml(r.variant)}</td>` +
        `<td>${r.href ? `<a href="${escapeHtml(r.href)}">${escapeHtml(r.result)}</a>` : escapeHtml(r.result)}</td>` +
        `<td class="n">${r.runs.toLocaleString('en-US')}</td><td class="ref">${escapeHtml(r.reference)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24}
h1{font-size:20px;margin:0 0 4px}p{color:#57606a;margin:0 0 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 10px;border-bottom:1px solid #d8dee4;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.ref{color:#57606a;font-size:12px}tr.bad td{background:#ffebe9}a{color:#0969da}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Each bug flag must be found and each correct driver verified by an exhaustive search. Violations link to their timeline report.</p>
<table><thead><tr><th>scenario</th><th>variant</th><th>result</th><th>runs</th><th>reference</th></tr></thead>
<tbody>
${body}
</tbody></table></body></html>
`;
}

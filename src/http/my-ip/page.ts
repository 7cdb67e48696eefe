// The small HTML page the "Use my IP" link shows. Everything interpolated is escaped.

export interface PageContent {
  status: number;
  title: string;
  body: string;
  /** Label and value pairs shown under the body: what confirming will request. */
  details?: readonly (readonly [string, string])[];
  /** When set, a button that POSTs back to the same URL to record this address. */
  confirm?: string;
}

export function myIpPage(page: PageContent): string {
  const form = page.confirm ? `<form method="post"><button type="submit">Use ${escapeHtml(page.confirm)}</button></form>` : '';
  const details = page.details?.length
    ? `<dl>${page.details.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1.2rem}dt{font-weight:600}dd{margin:0 0 .5rem;overflow-wrap:anywhere}</style>
</head><body><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.body).replace(/\n/g, '<br>')}</p>${details}${form}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Headless Debian chromium through playwright-core (never a downloaded browser), and the console noise we accept. */
import { chromium, type Browser, type Page } from 'playwright-core';

/** playwright's launch gives every run a fresh, empty profile of its own. */
export async function launch(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * Console errors, page errors, failed requests and dialogs of a page. jupyter_server 1.x
 * has no /api/me or /api/events: those 404s are the known noise and are left out.
 */
export function watch(page: Page): { problems: string[]; responses: { url: string; status: number }[] } {
  const known = /\/api\/(me|events\/subscribe)\b|Unexpected token '<', "<!DOCTYPE "/;
  const problems: string[] = [];
  const responses: { url: string; status: number }[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !known.test(m.text()) && !known.test(m.location().url)) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('response', (r) => {
    responses.push({ url: r.url(), status: r.status() });
    if (r.status() >= 400 && !known.test(r.url())) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return { problems, responses };
}

/** What each Whittle report view in the page shows: its kind, plots drawn, and any error text. */
export function reportViews(page: Page, scope = ''): Promise<{ kind: string; svgs: number; error: string | null; text: string }[]> {
  return page.$$eval(`${scope} .jp-WhittleReport`.trim(), (views) =>
    views.map((v) => ({
      kind: (v as HTMLElement).dataset.whittleKind ?? '',
      svgs: v.querySelectorAll('.jp-WhittleReport-plot svg.main-svg').length,
      error: v.querySelector('.jp-WhittleReport-error')?.textContent ?? null,
      text: (v as HTMLElement).innerText,
    })),
  );
}

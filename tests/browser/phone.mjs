// A member's phone page in Debian's Chromium (headless, 390×844, the
// page's clock under the test's control): its code renews in place, without
// reloading the page, and the phone pages pass axe-core (WCAG 2.1 A and AA).
// Prints one JSON object for the end-to-end test.
//
// Usage: node phone.mjs MEMBER_LINK JOIN_URL LOGIN_URL STAFF_LOGIN_URL

import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [link, joinUrl, loginUrl, staffLoginUrl] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

async function axe(page) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () =>
    (await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })).violations
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })));
}

try {
  const out = { violations: {} };
  // The pages allow no script but their own; the checker is let in here.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, bypassCSP: true });
  const page = await phone.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.clock.install();
  let fetched = 0;
  page.on('request', (r) => { if (r.url() === link && r.resourceType() === 'fetch') fetched += 1; });
  await page.goto(link);
  out.meta_refresh = await page.evaluate(() => document.querySelectorAll('meta[http-equiv="refresh"]').length);
  await page.evaluate(() => { window.kept = 'yes'; });
  const before = await page.$eval('#qr', (q) => Number(q.dataset.expiresAt));
  out.violations['/m/…'] = await axe(page);
  // A minute on the page's clock: the code is fetched again and put in place.
  await page.clock.runFor(61_000);
  await new Promise((r) => setTimeout(r, 1500));
  out.fetched = fetched;
  out.renewed = await page.$eval('#qr', (q) => q.dataset.renewed ?? null);
  out.kept = await page.evaluate(() => window.kept ?? null);
  out.expires_later = (await page.$eval('#qr', (q) => Number(q.dataset.expiresAt))) >= before;
  out.svg = await page.$eval('#qr svg', (s) => s.getAttribute('role'));
  out.countdown = (await page.textContent('#renew')).trim();

  // The pages a youth opens without being logged in.
  const guest = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, bypassCSP: true });
  const g = await guest.newPage();
  g.on('pageerror', (e) => errors.push(String(e)));
  for (const [name, url] of [['/m (login)', loginUrl], ['/m/join/…', joinUrl], ['/login', staffLoginUrl]]) {
    const res = await g.goto(url);
    out.violations[name] = res.status() === 200 ? await axe(g) : [{ id: `status ${res.status()}` }];
  }
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

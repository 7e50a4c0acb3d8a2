// A center's staff member asks, on the members page in Debian's Chromium
// (headless), that the next card tapped at a kiosk be bound to the first
// member of the list. Prints one JSON object.
//
// Usage: node bind-next.mjs HUB_URL LOGIN PASSWORD SHOT

import { chromium } from 'playwright-core';

const [url, login, password, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const out = {};
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(url + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
  await page.goto(url + '/members');
  const first = '#members tbody tr:first-child';
  out.kiosks = await page.$$eval(`${first} select[name=device] option`, os => os.map(o => o.textContent));
  await Promise.all([page.waitForURL(/done=waiting-/), page.click(`${first} form[action$="/bind-next"] button`)]);
  out.waiting = (await page.textContent('#done')).trim();
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

// 我有话说, later (the hub's clock set forward past the deadline): the
// responsible staff member's overview and inbox say a message is overdue;
// a staff member of another center is refused the first message's page,
// and does not see it in their inbox. Prints one JSON object.
//
// Usage: node help-late.mjs HUB_URL TICKET_PATH STAFF OTHER_STAFF PASSWORD SHOT_PREFIX

import { chromium } from 'playwright-core';

const [url, ticket, staff, other, password, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

async function logIn(login) {
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await desk.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
  return page;
}

try {
  const out = {};
  const a = await logIn(staff);
  out.overview = (await a.textContent('#messages')).trim();
  await a.screenshot({ path: `${shots}-overdue-overview-1366.png` });
  await a.click('nav a[href="/tickets"]');
  await a.waitForSelector('#tickets');
  out.rows = await a.locator('#tickets tbody tr').allTextContents();
  out.overdue_rows = await a.locator('#tickets tbody tr.overdue').count();
  await a.screenshot({ path: `${shots}-overdue-inbox-1366.png`, fullPage: true });

  const c = await logIn(other);
  out.other_center_status = (await c.goto(url + ticket)).status();
  await c.goto(url + '/tickets');
  out.other_center_rows = await c.locator('#tickets tbody tr').count();
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

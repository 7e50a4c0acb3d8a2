// Logs in to the hub's dashboard in Debian's Chromium (headless), reads what
// the page shows, tries the API as that user, logs out, and prints one JSON
// object for the end-to-end test to check.
//
// Usage: node dashboard.mjs HUB_URL LOGIN PASSWORD OTHER_CENTER_ID SCREENSHOT.png LEDGER_PREFIX
// (the ledger is saved as LEDGER_PREFIX.xlsx and LEDGER_PREFIX.csv, as the
// page's links download it).

import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [url, login, password, otherCenter, shot, ledger] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const out = {};
  await page.goto(url + '/');
  out.sent_to_login = new URL(page.url()).pathname;

  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'not the password');
  await page.click('form.login button');
  // The answer is the login page again, now with the error on it.
  out.wrong_message = (await (await page.waitForSelector('.error')).textContent()) ?? '';

  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
  await page.waitForSelector('#today');
  out.tiles = {};
  for (const id of ['today', 'week', 'month', 'members', 'new', 'visitors']) {
    out.tiles[id] = Number(await page.textContent('#' + id));
  }
  out.centers = await page.$$eval('#centers tbody tr', rows => rows.map(r => Number(r.dataset.center)));
  out.chart_bars = await page.$$eval('svg rect', rects => rects.length);
  out.yardstick_rows = await page.$$eval('#yardsticks tbody tr', rows => rows.length);
  out.fleet_rows = await page.$$eval('#fleet tbody tr', rows => rows.length);
  out.activities = await page.$$eval('#activities tbody tr', rows => rows.map(r => r.textContent));
  out.fleet = await (await page.request.get(`${url}/api/v1/fleet`)).json();
  for (const ext of ['xlsx', 'csv']) {
    const res = await page.request.get(`${url}/ledger.${ext}`);
    out[`ledger_${ext}_status`] = res.status();
    writeFileSync(`${ledger}.${ext}`, await res.body());
  }
  await page.screenshot({ path: shot, fullPage: true });
  // Tiles say what they count; yardsticks in a running month are progress.
  out.tile_labels = await page.$$eval('.tile .label', ls => ls.map(l => l.textContent));
  out.yardstick_marks = await page.$$eval('#yardsticks tbody td', tds => tds.map(td => td.className));
  // One language at a time: English after the switch, no Chinese labels left.
  await Promise.all([page.waitForURL(url + '/'), page.click('#switch-lang')]);
  out.english_tiles = await page.$$eval('.tile .label', ls => ls.map(l => l.textContent));
  await page.screenshot({ path: shot.replace(/\.png$/, '-en.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  out.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await page.screenshot({ path: shot.replace(/\.png$/, '-en-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForURL(url + '/'), page.click('#switch-lang')]);
  // A center's name opens its day.
  await Promise.all([page.waitForURL(/\/centers\/\d+\/day/), page.click('#centers tbody tr:first-child a')]);
  out.day_total = Number(await page.textContent('#total'));
  out.day_visits = await page.$$eval('#visits tbody tr', trs => trs.map(tr =>
    [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
  await page.screenshot({ path: shot.replace(/\.png$/, '-day.png'), fullPage: true });
  await page.goto(url + '/');

  const report = await page.request.get(`${url}/api/v1/centers/${otherCenter}/report?date=today`);
  out.other_report_status = report.status();
  const api = await page.request.get(`${url}/api/v1/dashboard`);
  out.api_today = (await api.json()).totals.today;

  await Promise.all([page.waitForURL(url + '/login'), page.click('header button')]);
  out.after_logout = new URL(page.url()).pathname;
  const after = await page.request.get(`${url}/api/v1/dashboard`);
  out.api_after_logout = after.status();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

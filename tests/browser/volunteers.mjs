// A center's staff member checks volunteers' shifts in Debian's Chromium
// (headless): sets the end of a shift left open and leaves a stray record
// out, each with a reason, then exports the month. Screenshots at 1366×768
// and 390×844. Prints one JSON object.
//
// Usage: node volunteers.mjs HUB_URL LOGIN PASSWORD MONTH SHOT_PREFIX

import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [url, login, password, month, shots] = process.argv.slice(2);
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
  await page.goto(`${url}/volunteers?month=${month}`);
  await page.waitForSelector('#problems');
  out.problems = await page.$$eval('#problems tbody tr', trs => trs.map(tr =>
    [...tr.querySelectorAll('td')].slice(0, 3).map(td => td.textContent.trim())));
  await page.screenshot({ path: `${shots}-volunteers-check-zh-1366.png`, fullPage: true });
  // An end before the start is refused with the reason.
  const open = '#problems tbody tr:has(input[name=end])';
  await page.fill(`${open} input[name=end]`, '08:00');
  await page.fill(`${open} form:has(input[name=end]) input[name=reason]`, '忘记签退');
  await page.click(`${open} form:has(input[name=end]) button`);
  out.refused = (await (await page.waitForSelector('#correct-error')).textContent()).trim();
  await page.fill(`${open} input[name=end]`, '11:30');
  await page.fill(`${open} form:has(input[name=end]) input[name=reason]`, '忘记签退');
  await Promise.all([page.waitForURL(/done=corrected/), page.click(`${open} form:has(input[name=end]) button`)]);
  const stray = '#problems tbody tr';
  await page.fill(`${stray} form:has(input[value=drop]) input[name=reason]`, '误扫');
  await Promise.all([page.waitForURL(/done=corrected/), page.click(`${stray} form:has(input[value=drop]) button`)]);
  out.none_left = (await page.textContent('#problems-none'))?.trim();
  out.totals = await page.$$eval('#totals tbody tr', trs => trs.map(tr =>
    [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
  out.total = (await page.textContent('#total')).trim();
  const res = await page.request.get(url + await page.getAttribute('#export-xlsx', 'href'));
  out.export_status = res.status();
  writeFileSync(`${shots}-volunteer-hours.xlsx`, await res.body());
  await page.screenshot({ path: `${shots}-volunteers-zh-1366.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#switch-lang');
  await page.waitForSelector('#totals');
  out.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await page.screenshot({ path: `${shots}-volunteers-en-390.png`, fullPage: true });
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

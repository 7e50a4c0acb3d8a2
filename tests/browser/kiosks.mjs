// A center's staff member on the kiosks page in Debian's Chromium (headless).
// Mode `code`: issues an enrollment code and prints it with what the page's
// QR code says. Mode `manage`: lists the kiosks, renames one and takes it out
// of service. Mode `releases`: the software releases' card and the kiosks'
// alerts. Screenshots at 1366×768 and 390×844. Prints one JSON object.
//
// Usage: node kiosks.mjs code|manage|releases HUB_URL LOGIN PASSWORD SHOT_PREFIX

import { chromium } from 'playwright-core';

const [mode, url, login, password, shots] = process.argv.slice(2);
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
  await page.click('nav a[href="/kiosks"]');
  await page.waitForSelector('#issue-code');
  if (mode === 'releases') {
    const rows = sel => page.$$eval(sel, trs => trs.map(tr =>
      [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
    out.releases = await rows('#releases tbody tr');
    out.kiosks = await rows('#kiosks tbody tr');
    await page.locator('#releases').screenshot({ path: `${shots}-releases-zh-1366.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    out.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await page.screenshot({ path: `${shots}-releases-zh-390.png`, fullPage: true });
  } else if (mode === 'code') {
    out.none = (await page.textContent('#none'))?.trim();
    await page.click('#issue-code button');
    await page.waitForSelector('#enroll-code');
    out.code = (await page.textContent('#code')).trim();
    out.command = (await page.textContent('#payload')).trim();
    // The QR code as a picture of the page, for zbarimg to read.
    await page.locator('#enroll-code .qr').screenshot({ path: `${shots}-enroll-qr.png` });
    await page.screenshot({ path: `${shots}-kiosks-code-zh-1366.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    out.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await page.screenshot({ path: `${shots}-kiosks-code-zh-390.png`, fullPage: true });
  } else {
    out.kiosks = await page.$$eval('#kiosks tbody tr', trs => trs.map(tr =>
      [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
    const row = '#kiosks tbody tr:first-child';
    await page.fill(`${row} input[name=name]`, '门口签到机');
    await Promise.all([page.waitForURL(/done=renamed-/), page.click(`${row} form[action$="/rename"] button`)]);
    // Without the tick, nothing happens.
    await page.$eval(`${row} form[action$="/revoke"] input[name=sure]`, el => el.removeAttribute('required'));
    await page.click(`${row} form[action$="/revoke"] button`);
    out.unticked = (await (await page.waitForSelector('#kiosk-error')).textContent()).trim();
    await page.check(`${row} form[action$="/revoke"] input[name=sure]`);
    await Promise.all([page.waitForURL(/done=revoked-/), page.click(`${row} form[action$="/revoke"] button`)]);
    out.after = await page.$$eval('#kiosks tbody tr', trs => trs.map(tr =>
      [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
    await page.click('#switch-lang');
    await page.waitForSelector('#issue-code');
    await page.screenshot({ path: `${shots}-kiosks-en-1366.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    out.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await page.screenshot({ path: `${shots}-kiosks-en-390.png`, fullPage: true });
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

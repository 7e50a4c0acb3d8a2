// A center's staff member runs the members page in Debian's Chromium
// (headless): adds members through the form, sees a refused one kept with
// the reason, searches, revokes and restores, switches the language, and is
// refused another center's page. An admin then reads the record of changes.
// Screenshots at 1366×768 and 390×844 in both languages. Prints one JSON
// object for the end-to-end test to check.
//
// Usage: node members.mjs HUB_URL STAFF PASSWORD OTHER_CENTER ADMIN ADMIN_PASSWORD SHOT_PREFIX
//        BAD_ROSTER.xlsx FIXED_ROSTER.xlsx

import { chromium } from 'playwright-core';

const [url, staff, password, otherCenter, admin, adminPassword, shots, badRoster, fixedRoster] =
  process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function logIn(page, login, pass) {
  await page.goto(url + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', pass);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
}

const rows = page => page.$$eval('#members tbody tr', trs => trs.map(tr => ({
  id: Number(tr.dataset.member),
  cells: [...tr.querySelectorAll('td')].map(td => td.textContent.trim()),
})));

try {
  const out = {};
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await logIn(page, staff, password);
  out.nav = await page.$$eval('nav a', as => as.map(a => a.textContent));
  await page.click('nav a[href="/members"]');
  await page.waitForSelector('#add');
  out.empty_note = (await page.textContent('#none'))?.trim();

  out.added = [];
  for (const [name, phone] of [['林小雨', '13800000001'], ['王小明', '13800000002'], ['陈思远', '']]) {
    await page.fill('#add input[name=name]', name);
    await page.fill('#add input[name=phone]', phone);
    await Promise.all([page.waitForURL(/done=added-/), page.click('#add button')]);
    out.added.push((await page.textContent('#done')).trim());
  }
  // A phone that is not one: refused with the reason, what was typed kept.
  await page.fill('#add input[name=name]', '赵一');
  await page.fill('#add input[name=phone]', 'call me');
  await page.click('#add button');
  await page.waitForSelector('#add-error');
  out.refused = (await page.textContent('#add-error')).trim();
  out.kept_name = await page.inputValue('#add input[name=name]');
  out.rows = await rows(page);

  // A roster with two wrong rows: previewed, refused by row number, nothing
  // imported; corrected, previewed and imported.
  await page.setInputFiles('#import input[type=file]', badRoster);
  await page.click('#import button');
  await page.waitForSelector('#preview');
  out.bad_summary = (await page.textContent('#preview-summary')).trim();
  out.bad_rows = await page.$$eval('#import-errors tbody tr', trs => trs.map(tr =>
    Number(tr.querySelector('td').textContent)));
  out.bad_can_confirm = await page.$('#confirm-import') !== null;
  out.after_bad = (await page.textContent('#shown')).trim();
  await page.screenshot({ path: `${shots}-import-refused-1366.png`, fullPage: true });
  await page.setInputFiles('#import input[type=file]', fixedRoster);
  await page.click('#import button');
  await page.waitForSelector('#confirm-import');
  out.fixed_summary = (await page.textContent('#preview-summary')).trim();
  out.duplicates = await page.$$eval('#import-duplicates tbody tr', trs => trs.length);
  await Promise.all([page.waitForURL(/done=imported-/), page.click('#confirm-import button')]);
  out.imported = (await page.textContent('#done')).trim();
  out.after_import = (await page.textContent('#shown')).trim();
  await Promise.all([page.waitForURL(/offset=50/), page.click('#next')]);
  out.second_page = (await page.textContent('#shown')).trim();

  await page.fill('#search input[name=q]', '王');
  await Promise.all([page.waitForURL(/q=/), page.click('#search button')]);
  out.search = await rows(page);

  // Revoke 王小明 from the search result, then restore.
  await Promise.all([page.waitForURL(/done=revoked-/), page.click('#members tbody tr button')]);
  out.revoked = await rows(page);
  out.revoked_note = (await page.textContent('#done')).trim();
  await Promise.all([page.waitForURL(/done=restored-/), page.click('#members tbody tr button')]);
  out.restored = await rows(page);

  // What a member takes away: a card (the center's sheet), a phone login
  // scanned on the spot, a card bound by its number, and the roster.
  const [sheet] = await Promise.all([page.waitForEvent('popup'), page.click('#sheet button')]);
  await sheet.waitForLoadState();
  out.sheet_cards = await sheet.$$eval('.card', cards => cards.length);
  await sheet.locator('.card').first().screenshot({ path: `${shots}-card.png` });
  await sheet.close();
  const first = '#members tbody tr:first-child';
  await Promise.all([page.waitForURL(/\/members\/\d+\/phone/), page.click(`${first} form[action$="/phone"] button`)]);
  out.phone_link = (await page.textContent('#phone-link')).trim();
  out.phone_secret = (await page.textContent('#phone-secret')).trim();
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const opened = await phone.goto(out.phone_link);
  out.phone_status = opened.status();
  out.phone_has_qr = (await phone.$('svg')) !== null;
  await phone.close();
  await page.goto(url + '/members');
  await page.fill(`${first} input[name=uid]`, 'not hex');
  await page.click(`${first} form[action$="/card-number"] button`);
  out.bad_card = (await (await page.waitForSelector('#row-error')).textContent()).trim();
  await page.fill(`${first} input[name=uid]`, '04A1B2C3');
  await Promise.all([page.waitForURL(/done=bound-/), page.click(`${first} form[action$="/card-number"] button`)]);
  out.bound = (await page.textContent('#done')).trim();
  await page.fill(`${first} form[action$="/edit"] input[name=display_name]`, '小雨');
  await page.check(`${first} form[action$="/edit"] input[name=volunteer]`);
  await Promise.all([page.waitForURL(/done=edited-/), page.click(`${first} form[action$="/edit"] button`)]);
  out.edited = await rows(page).then(r => r[0].cells);
  const xlsx = await page.request.get(await page.getAttribute('#export-xlsx', 'href').then(h => url + h));
  out.export_status = xlsx.status();
  (await import('node:fs')).writeFileSync(`${shots}-roster.xlsx`, await xlsx.body());

  await page.goto(url + '/members');
  await page.screenshot({ path: `${shots}-zh-1366.png`, fullPage: true });
  await Promise.all([page.waitForURL(/\/members/), page.click('#switch-lang')]);
  out.english_heading = (await page.textContent('main h2')).trim();
  out.english_nav = await page.$$eval('nav a', as => as.map(a => a.textContent));
  await page.screenshot({ path: `${shots}-en-1366.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}-en-390.png`, fullPage: true });
  out.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await page.click('#switch-lang');
  await page.waitForSelector('#add');
  await page.screenshot({ path: `${shots}-zh-390.png`, fullPage: true });

  const other = await page.goto(`${url}/members?center=${otherCenter}`);
  out.other_page = other.status();
  out.other_api = (await page.request.get(`${url}/api/v1/centers/${otherCenter}/members`)).status();
  out.staff_audit_page = (await page.goto(`${url}/audit`)).status();
  await context.close();

  const adminContext = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const ap = await adminContext.newPage();
  await logIn(ap, admin, adminPassword);
  out.admin_nav = await ap.$$eval('nav a', as => as.map(a => a.textContent));
  await ap.click('nav a[href="/audit"]');
  await ap.waitForSelector('#audit');
  out.audit = await ap.$$eval('#audit tbody tr', trs => trs.map(tr =>
    [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
  await ap.screenshot({ path: `${shots}-audit-1366.png`, fullPage: true });
  await adminContext.close();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

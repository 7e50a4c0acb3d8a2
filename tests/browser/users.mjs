// A county's admin runs users and regions in Debian's Chromium (headless):
// adds a staff user who then logs in, disables them (their open page ends at
// the login), adds a town and moves a center into it. A staff member is
// refused the admins' pages. Screenshots at 1366×768 and 390×844. Prints one
// JSON object for the end-to-end test to check.
//
// Usage: node users.mjs HUB_URL ADMIN ADMIN_PASSWORD CENTER_ID SHOT_PREFIX

import { chromium } from 'playwright-core';

const [url, admin, adminPassword, center, shots] = process.argv.slice(2);
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

try {
  const out = {};
  const ac = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const ap = await ac.newPage();
  await logIn(ap, admin, adminPassword);
  out.nav = await ap.$$eval('nav a', as => as.map(a => a.textContent));
  await ap.click('nav a[href="/users"]');
  await ap.waitForSelector('#add-user');

  // A weak password is refused with the reason.
  await ap.fill('#add-user input[name=login]', 'staff-new');
  await ap.selectOption('#add-user select[name=scope]', `center:${center}`);
  await ap.fill('#add-user input[name=password]', 'aaaaaaaaaa');
  await ap.click('#add-user button');
  out.weak = (await (await ap.waitForSelector('#user-error')).textContent()).trim();
  await ap.fill('#add-user input[name=login]', 'staff-new');
  await ap.selectOption('#add-user select[name=scope]', `center:${center}`);
  await ap.fill('#add-user input[name=password]', 'a first password 7');
  await Promise.all([ap.waitForURL(/done=added-/), ap.click('#add-user button')]);
  out.users = await ap.$$eval('#users tbody tr', trs => trs.map(tr => tr.dataset.login));

  // The new staff member logs in and works.
  const sc = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const sp = await sc.newPage();
  await logIn(sp, 'staff-new', 'a first password 7');
  await sp.goto(url + '/members');
  out.staff_members_heading = (await sp.textContent('main h2')).trim();
  out.staff_nav = await sp.$$eval('nav a', as => as.map(a => a.textContent));
  out.staff_users_page = (await sp.goto(url + '/users')).status();
  out.staff_regions_page = (await sp.goto(url + '/regions')).status();

  // Disabled: the staff member's next page is the login.
  await Promise.all([ap.waitForURL(/done=disabled-/),
    ap.click('#users tr[data-login="staff-new"] form[action$="/disable"] button')]);
  out.state_after = (await ap.textContent('#users tr[data-login="staff-new"] td:nth-child(4)')).trim();
  await sp.goto(url + '/members');
  out.staff_after_disable = new URL(sp.url()).pathname;
  await ap.screenshot({ path: `${shots}-users-zh-1366.png`, fullPage: true });

  // Regions: a town below the county, and the center moved into it.
  await ap.click('nav a[href="/regions"]');
  await ap.waitForSelector('#add-region');
  await ap.fill('#add-region input[name=name]', '湖滨街道');
  await ap.selectOption('#add-region select[name=level]', 'town');
  await Promise.all([ap.waitForURL(/done=region-/), ap.click('#add-region button')]);
  const town = await ap.$eval('#regions tbody tr:last-child', tr => tr.dataset.region);
  out.regions = await ap.$$eval('#regions tbody tr td:first-child', tds => tds.map(td => td.textContent.trim()));
  await ap.selectOption(`#centers tr[data-center="${center}"] select`, town);
  await Promise.all([ap.waitForURL(/done=placed-/),
    ap.click(`#centers tr[data-center="${center}"] button`)]);
  out.center_region = await ap.$eval(`#centers tr[data-center="${center}"] select`, s => s.selectedOptions[0].textContent);
  await ap.screenshot({ path: `${shots}-regions-zh-1366.png`, fullPage: true });
  await ap.setViewportSize({ width: 390, height: 844 });
  await ap.click('#switch-lang');
  await ap.waitForSelector('#add-region');
  out.phone_overflow = await ap.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await ap.screenshot({ path: `${shots}-regions-en-390.png`, fullPage: true });
  await ap.goto(url + '/users');
  await ap.screenshot({ path: `${shots}-users-en-390.png`, fullPage: true });
  out.users_phone_overflow = await ap.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

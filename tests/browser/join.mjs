// A youth joins from a phone in Debian's Chromium (headless, a 390×844
// screen): opens the kiosk's join link, is refused under 14 without a
// guardian's consent (the form keeps what was typed), joins as an adult,
// and lands on their member number and renewing code, whose screenshot is
// saved for the test to decode. Then a staff member confirms the youth on
// the members page. Prints one JSON object for the end-to-end test.
//
// Usage: node join.mjs JOIN_URL HUB_URL STAFF PASSWORD BIRTH_YEAR_CHILD BIRTH_YEAR_ADULT SHOT_PREFIX

import { chromium } from 'playwright-core';

const [joinUrl, url, staff, password, childYear, adultYear, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

try {
  const out = {};
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(joinUrl);
  await page.screenshot({ path: `${shots}-join-form-390.png`, fullPage: true });
  out.overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  // Under 14 with a guardian named but no consent ticked: refused in words.
  await page.fill('input[name=name]', '王小明');
  await page.fill('input[name=phone]', '13800002222');
  await page.fill('input[name=birth_year]', childYear);
  await page.fill('input[name=guardian_name]', '王女士');
  await page.fill('input[name=guardian_phone]', '13900003333');
  await page.check('input[name=privacy]');
  await Promise.all([page.waitForNavigation(), page.click('#join button')]);
  out.child_refused = (await page.textContent('#join-error')).trim();
  out.kept_name = await page.inputValue('input[name=name]');
  await page.screenshot({ path: `${shots}-join-refused-390.png`, fullPage: true });

  // An adult joins.
  await page.fill('input[name=name]', '林小雨');
  await page.fill('input[name=phone]', '138 0000 1111');
  await page.fill('input[name=birth_year]', adultYear);
  await page.fill('input[name=guardian_name]', '');
  await page.fill('input[name=guardian_phone]', '');
  await page.fill('input[name=school_or_work]', '城东中学');
  await page.check('input[name=i_sports]');
  await page.check('input[name=privacy]');
  await Promise.all([page.waitForURL(/\/m\?joined=1$/), page.click('#join button')]);
  out.welcome = (await page.textContent('#welcome')).trim();
  out.number = (await page.textContent('#number b')).trim();
  out.name_shown = (await page.textContent('.name')).trim();
  await page.locator('#qr').screenshot({ path: `${shots}-joined-qr.png` });
  await page.screenshot({ path: `${shots}-joined-390.png`, fullPage: true });
  // The center's coming activity, one place left: signed up.
  out.offer = (await page.textContent('#coming li')).trim();
  await Promise.all([page.waitForURL(/signup=booked/), page.click('#coming li form button')]);
  out.signed = (await page.textContent('#mine li')).trim();
  out.said = (await page.textContent('#said')).trim();
  await page.screenshot({ path: `${shots}-signed-up-390.png`, fullPage: true });

  // A staff member confirms the youth on the members page.
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const sp = await desk.newPage();
  sp.on('pageerror', (e) => errors.push(String(e)));
  await sp.goto(url + '/login');
  await sp.fill('input[name=login]', staff);
  await sp.fill('input[name=password]', password);
  await Promise.all([sp.waitForURL(url + '/'), sp.click('form.login button')]);
  await sp.goto(url + '/members');
  await sp.waitForSelector('#joined');
  out.waiting = await sp.$$eval('#joined tbody tr', (trs) => trs.map((tr) => ({
    id: Number(tr.dataset.joined),
    cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()),
  })));
  await sp.screenshot({ path: `${shots}-members-joined-1366.png`, fullPage: true });
  await Promise.all([sp.waitForURL(/done=confirmed/), sp.click('#joined tbody tr:first-child form[action$="/confirm"] button')]);
  out.after_confirm_waiting = await sp.$$eval('#joined', (c) => c.length);
  out.state = await sp.$eval(`#members tr[data-member="${out.number}"]`, (tr) => tr.textContent);
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

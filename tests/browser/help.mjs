// 我有话说 in Debian's Chromium (headless): a youth asks from their phone
// (390×844) and is shown the 12355 hotline; the first staff member to open
// it is responsible, another of the center is refused; the responsible one
// refers it to 12355 with the follow-up and answers; the youth reads the
// answer, then sends a second message that nobody opens. axe-core checks
// the youth's pages and the staff's. Prints one JSON object.
//
// Usage: node help.mjs HUB_URL CENTER STAFF_A STAFF_B PASSWORD SHOT_PREFIX

import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [url, center, staffA, staffB, password, shots] = process.argv.slice(2);
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
      .map((v) => `${v.id} (${v.impact}): ${v.nodes[0]?.target?.join(' ') ?? ''}`));
}

async function logIn(login) {
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
  const page = await desk.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
  return page;
}

try {
  const out = { violations: [] };
  // The youth, on their phone.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  const youth = await phone.newPage();
  youth.on('pageerror', (e) => errors.push(String(e)));
  await youth.goto(`${url}/m/help/${center}`);
  out.violations.push(...await axe(youth));
  await youth.check('input[name=kind][value=rights]');
  await youth.fill('textarea[name=body]', '打工的地方一直拖欠工资，不知道怎么办');
  await youth.screenshot({ path: `${shots}-form-390.png`, fullPage: true });
  await Promise.all([youth.waitForURL(/\/m\/help\/t\//), youth.click('#help button')]);
  const mine = youth.url();
  out.received = (await youth.textContent('#said')).trim();
  out.hotline = (await youth.textContent('#hotline')).trim();
  out.violations.push(...await axe(youth));

  // The first staff member to open it is responsible.
  const a = await logIn(staffA);
  await a.click('nav a[href="/tickets"]');
  await a.waitForSelector('#tickets');
  const row = a.locator('#tickets tbody tr').first();
  out.listed = (await row.textContent()).trim();
  await Promise.all([a.waitForURL(/\/tickets\/\d+$/), row.locator('a').click()]);
  const ticket = a.url();
  out.status = (await a.textContent('#status')).trim();
  out.violations.push(...await axe(a));
  // Another staff member of the center is refused.
  const b = await logIn(staffB);
  const refused = await b.goto(ticket);
  out.other_staff_status = refused.status();
  // Referred to 12355 with the follow-up, then answered.
  await a.selectOption('#refer select[name=to]', '12355');
  await a.fill('#refer input[name=outcome]', '已帮助拨打 12355，劳动维权专员跟进');
  await Promise.all([a.waitForURL(ticket), a.click('#refer button')]);
  out.referred = (await a.textContent('#referred')).trim();
  await a.fill('#answer textarea[name=reply]', '已转介 12355 劳动维权专员，他们会联系你；也欢迎来中心面谈。');
  await Promise.all([a.waitForURL(ticket), a.click('#answer button')]);
  await a.screenshot({ path: `${shots}-ticket-1366.png`, fullPage: true });

  await youth.goto(mine);
  out.answered = (await youth.textContent('#said')).trim();
  out.answer = (await youth.textContent('#answer')).trim();
  out.youth_referred = (await youth.textContent('#referred')).trim();
  await youth.screenshot({ path: `${shots}-answered-390.png`, fullPage: true });
  // A second message, that nobody opens: overdue once the hub's clock has
  // gone past the deadline (help-late.mjs).
  await youth.goto(`${url}/m/help/${center}`);
  await youth.check('input[name=kind][value=suggestion]');
  await youth.fill('textarea[name=body]', '希望周末也能开放自习室');
  await Promise.all([youth.waitForURL(/\/m\/help\/t\//), youth.click('#help button')]);
  out.ticket = new URL(ticket).pathname;
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

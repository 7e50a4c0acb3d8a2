// Activities in Debian's Chromium (headless). Prints one JSON object for
// the end-to-end test.
//
// `signup`: three youths join from their phones (390×844) and sign up for
// an activity with two places: two are booked, the third waits. The first
// cancels; the third's page then says they moved up.
// Each phone's cookies are kept in STATE_DIR (youth-1.json …).
// `rate`: a youth back on their phone rates the activity they came to,
// with a comment, and the page is checked by axe-core.
// `staff`: a staff member reads the activities page (1366×768): who came
// to each, by their sign-ups, and how they rated it.
//
// Usage: node activity.mjs signup JOIN_URL TITLE BIRTH_YEAR SHOT_PREFIX STATE_DIR
//        node activity.mjs rate HUB_URL STATE_FILE TITLE SHOT_PREFIX
//        node activity.mjs staff HUB_URL LOGIN PASSWORD SHOT_PREFIX

import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

const [mode, ...args] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

async function signUp([joinUrl, title, birthYear, shots, stateDir]) {
  const out = { youths: [] };
  const pages = [];
  const names = ['林小雨', '陈思远', '黄小明'];
  for (const [i, name] of names.entries()) {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(joinUrl);
    await page.fill('input[name=name]', name);
    await page.fill('input[name=phone]', `1380000${1000 + i}`);
    await page.fill('input[name=birth_year]', birthYear);
    await page.check('input[name=privacy]');
    await Promise.all([page.waitForURL(/\/m\?joined=1$/), page.click('#join button')]);
    const number = (await page.textContent('#number b')).trim();
    // The activity among the center's coming ones: sign up (or wait).
    const offer = page.locator('#coming li', { hasText: title });
    const offered = (await offer.textContent()).trim();
    await Promise.all([page.waitForURL(/signup=(booked|waiting)/), offer.locator('form button').click()]);
    const mine = (await page.locator('#mine li', { hasText: title }).textContent()).trim();
    await page.screenshot({ path: `${shots}-${i + 1}-signed-390.png`, fullPage: true });
    out.youths.push({ number, offered, mine, said: (await page.textContent('#said')).trim() });
    await phone.storageState({ path: `${stateDir}/youth-${i + 1}.json` });
    pages.push(page);
  }
  // The first cancels: their place goes to the one waiting.
  const first = pages[0];
  await Promise.all([
    first.waitForURL(/signup=cancelled/),
    first.locator('#mine li', { hasText: title }).locator('form[action$="/m/cancel"] button').click(),
  ]);
  out.cancelled = (await first.textContent('#said')).trim();
  const third = pages[2];
  await third.goto(new URL('/m', joinUrl).toString());
  out.promoted = (await third.locator('#mine li', { hasText: title }).textContent()).trim();
  await third.screenshot({ path: `${shots}-3-promoted-390.png`, fullPage: true });
  return out;
}

async function rate([url, state, title, shots]) {
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: state, bypassCSP: true,
  });
  const page = await phone.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + '/m');
  const came = page.locator('#attended li', { hasText: title });
  const out = { offered: (await came.textContent()).trim() };
  await came.locator('input[value="satisfied"]').check();
  await came.locator('textarea[name=comment]').fill('书选得好，下次想多讨论一会儿');
  await page.screenshot({ path: `${shots}-rate-390.png`, fullPage: true });
  await Promise.all([page.waitForURL(/signup=rated/), came.locator('form button').click()]);
  out.said = (await page.textContent('#said')).trim();
  out.rated = (await page.locator('#attended li', { hasText: title }).locator('.rated').textContent()).trim();
  await page.screenshot({ path: `${shots}-rated-390.png`, fullPage: true });
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  out.violations = await page.evaluate(async () =>
    (await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })).violations
      .map((v) => `${v.id} (${v.impact}): ${v.nodes[0]?.target?.join(' ') ?? ''}`));
  return out;
}

async function staffPage([url, login, password, shots]) {
  const desk = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await desk.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
  await page.click('nav a[href="/activities"]');
  await page.waitForSelector('#activities');
  const rows = await page.$$eval('#activities tbody tr', (trs) => trs.map((tr) => ({
    title: tr.querySelector('td:nth-child(3)').textContent.trim(),
    signed: tr.querySelector('.signed').textContent.trim(),
    came: tr.querySelector('.came').textContent.trim(),
    turnout: tr.querySelector('.turnout')?.textContent.trim() ?? '',
    rated: tr.querySelector('.rated')?.textContent.trim() ?? '',
    comments: [...tr.querySelectorAll('.comments li')].map((li) => li.textContent.trim()),
  })));
  await page.screenshot({ path: `${shots}-activities-1366.png`, fullPage: true });
  return { rows };
}

try {
  const out = mode === 'staff' ? await staffPage(args) : mode === 'rate' ? await rate(args) : await signUp(args);
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

// The ledger in Debian's Chromium (headless): a center's staff member fills
// in the ledger's facts on the center's page and sees them in the ledger; a
// rating sent by staff is refused; a city's admin evaluates the center
// (annex 1's ten items, four from the data) and the rating follows by rule.
// Screenshots at 1366×768 and 390×844. Prints one JSON object.
//
// Usage: node ledger.mjs HUB_URL STAFF PASSWORD ADMIN ADMIN_PASSWORD CENTER SHOT_PREFIX

import { chromium } from 'playwright-core';

const [url, staff, password, admin, adminPassword, center, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function logIn(context, login, pass) {
  const page = await context.newPage();
  await page.goto(url + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', pass);
  await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
  return page;
}

const row = page => page.$$eval(`#ledger tr[data-center="${center}"] td`, tds => tds.map(td => td.textContent.trim()));

try {
  const out = {};
  const sc = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const sp = await logIn(sc, staff, password);
  await sp.click('nav a[href="/ledger"]');
  await sp.waitForSelector('#ledger');
  out.before = await row(sp);
  await Promise.all([sp.waitForURL(/\/centers\/\d+\/ledger/), sp.click(`#ledger tr[data-center="${center}"] a`)]);
  out.rating_field = (await sp.$('#profile select[name=rating]')) !== null;
  out.staff_evaluate = (await sp.textContent('#evaluate')).trim();
  await sp.fill('#profile input[name=manager]', '张老师');
  await sp.fill('#profile input[name=phone]', '0571-8600 0000');
  await sp.fill('#profile input[name=address]', '上城区解放路 1 号');
  await sp.fill('#profile input[name=founded]', '2019-05-04');
  await sp.selectOption('#profile select[name=affiliation]', '城市街道团委');
  await Promise.all([sp.waitForURL(/done=saved/), sp.click('#profile button')]);
  out.saved = (await sp.textContent('#done')).trim();
  out.staff_zone = (await sp.textContent('#zone')).trim();
  out.staff_has_zone_form = (await sp.$('#time-zone')) !== null;
  // A rating sent by staff (the field is disabled for them) is refused.
  const csrf = await sp.$eval('#profile input[name=csrf]', i => i.value);
  const forged = await sp.request.post(`${url}/centers/${center}/ledger`, {
    form: { csrf, manager: '张老师', rating: '较好' },
  });
  out.staff_rating_status = forged.status();
  // An activity recorded on the activities page counts in the ledger.
  await sp.click('nav a[href="/activities"]');
  await sp.waitForSelector('#add-activity');
  await sp.fill('#add-activity input[name=title]', '学习社：读书会');
  await sp.selectOption('#add-activity select[name=category]', 'culture_learning');
  await sp.fill('#add-activity input[name=start]', '19:00');
  await sp.fill('#add-activity input[name=end]', '18:00');
  await sp.check('#add-activity input[name=study_club]');
  await sp.click('#add-activity button');
  out.activity_refused = (await (await sp.waitForSelector('#activity-error')).textContent()).trim();
  // The refused form keeps what was typed.
  out.kept = [await sp.inputValue('#add-activity input[name=title]'),
    await sp.inputValue('#add-activity select[name=category]'),
    await sp.inputValue('#add-activity input[name=end]')];
  await sp.fill('#add-activity input[name=title]', '学习社：读书会');
  await sp.fill('#add-activity input[name=start]', '19:00');
  await sp.fill('#add-activity input[name=end]', '20:30');
  await sp.check('#add-activity input[name=study_club]');
  await Promise.all([sp.waitForURL(/done=added/), sp.click('#add-activity button')]);
  out.activities = await sp.$$eval('#activities tbody tr', trs => trs.map(tr =>
    [...tr.querySelectorAll('td')].map(td => td.textContent.trim())));
  // Staff correct how many came and mark it held; both are recorded.
  await sp.fill('#activities tbody tr:first-child input[name=came]', '9');
  await Promise.all([sp.waitForURL(/done=saved/),
    sp.click('#activities tbody tr:first-child form[action$="/attendance"] button')]);
  await Promise.all([sp.waitForURL(/done=saved/),
    sp.click('#activities tbody tr:first-child form[action$="/status"]:has(input[value=held]) button')]);
  out.corrected = await sp.$$eval('#activities tbody tr', trs => trs.map(tr =>
    [tr.dataset.status, ...[...tr.querySelectorAll('td')].map(td => td.textContent.trim())]));
  await sp.screenshot({ path: `${shots}-activities-zh-1366.png`, fullPage: true });
  await sp.goto(url + '/ledger');
  out.after = await row(sp);
  await sp.screenshot({ path: `${shots}-ledger-zh-1366.png`, fullPage: true });
  await sp.setViewportSize({ width: 390, height: 844 });
  out.phone_overflow = await sp.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await sp.screenshot({ path: `${shots}-ledger-zh-390.png`, fullPage: true });

  const ac = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const ap = await logIn(ac, admin, adminPassword);
  await ap.goto(`${url}/centers/${center}/ledger`);
  // The evaluation: four items graded from the data, six by the admin.
  await Promise.all([ap.waitForURL(/\/evaluation$/), ap.click('#evaluate')]);
  out.from_data = await ap.$$eval('#evaluation tr[data-item]', trs => trs
    .filter(tr => tr.querySelector('.grade'))
    .map(tr => [tr.dataset.item, tr.querySelector('.grade').textContent.trim()]));
  const grade = async (g) => {
    for (const sel of await ap.$$('#evaluation select')) await sel.selectOption(g);
    await Promise.all([ap.waitForURL(/done=saved/), ap.click('#evaluation button')]);
    return (await ap.textContent('#rating')).trim();
  };
  out.all_good = await grade('good');
  out.all_poor = await grade('poor');
  out.rectify = (await ap.textContent('#rectify')).trim();
  await ap.screenshot({ path: `${shots}-evaluation-zh-1366.png`, fullPage: true });
  await ap.goto(`${url}/centers/${center}/ledger`);
  out.admin_region = (await ap.textContent('#region')).trim();
  await ap.fill('#time-zone input[name=time_zone]', 'Mars/Olympus');
  await ap.click('#time-zone button');
  out.bad_zone = (await (await ap.waitForSelector('#profile-error')).textContent()).trim();
  await ap.fill('#time-zone input[name=time_zone]', 'Asia/Urumqi');
  await Promise.all([ap.waitForURL(/done=saved/), ap.click('#time-zone button')]);
  out.zone_after = await ap.inputValue('#time-zone input[name=time_zone]');
  await ap.click('#switch-lang');
  await ap.waitForSelector('#profile');
  await ap.screenshot({ path: `${shots}-center-ledger-en-1366.png`, fullPage: true });
  await ap.goto(url + '/ledger');
  out.rated = await row(ap);
  out.rectifying = (await ap.textContent('#rectifying')).trim();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

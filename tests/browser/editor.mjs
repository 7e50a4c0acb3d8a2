// Edits a center's content in the hub's web editor, in Debian's Chromium
// (headless), the way an admin would: changes the name, adds an emergency
// notice, an announcement with a window and an activity with a sign-up
// link, sees the preview follow, is refused a bad time in plain words, then
// publishes with a new logo. Prints one JSON object for the test to check.
//
// Usage: node editor.mjs HUB_URL LOGIN PASSWORD CENTER_ID LOGO.png SCREENSHOT.png OTHER_CENTER_ID
// (a center outside the user's part of the network, whose editor must stay shut)

import { chromium } from 'playwright-core';

const [url, login, password, center, logo, shot, other] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Anything the page's Content-Security-Policy blocks is an error too.
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  const out = {};
  await page.goto(`${url}/content/${center}`);
  out.sent_to_login = new URL(page.url()).pathname;
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${url}/`), page.click('form.login button')]);
  // The dashboard links each center to its editor.
  await Promise.all([page.waitForURL(`${url}/content/${center}`), page.click(`#centers tr[data-center="${center}"] a[href="/content/${center}"]`)]);
  await page.waitForSelector('#kiosk .k-name');
  out.version_before = await page.textContent('#version');
  out.name_before = await page.inputValue('#center [data-field="name.zh"]');
  out.preview_name_before = await page.textContent('#kiosk .k-name');

  await page.fill('#center [data-field="name.zh"]', '城西社区青年之家');
  await page.fill('#center [data-field="name.en"]', 'Chengxi Youth Home');
  await page.fill('#emergency [data-field="emergency.zh"]', '因暴雨预警，今天 15:00 起暂停开放。');
  // An announcement for today and one that starts next year.
  await page.click('#announcements button.add');
  await page.locator('#announcements .item').last().locator('[data-field="text.zh"]').fill('本周六举办志愿者培训');
  await page.click('#announcements button.add');
  const later = page.locator('#announcements .item').last();
  await later.locator('[data-field="text.zh"]').fill('明年的通知');
  await later.locator('input[type=date]').first().fill('2099-01-01');
  // An activity today, with places and a sign-up link.
  const today = await page.inputValue('#day');
  await page.click('#activities button.add');
  const act = page.locator('#activities .item').last();
  await act.locator('[data-field="title.zh"]').fill('三人篮球赛');
  await act.locator('[data-field="title.en"]').fill('3x3 basketball');
  await act.locator('select').selectOption('sports');
  await act.locator('input[type=date]').fill(today);
  await act.locator('input[type=time]').nth(0).fill('19:00');
  await act.locator('input[type=time]').nth(1).fill('18:00');
  await act.locator('input[type=number]').fill('24');
  await act.locator('[data-field="place.zh"]').fill('活动大厅');
  await act.locator('input[type=url]').fill('https://example.org/signup/42');
  await act.locator('input[type=checkbox][data-field=study_club]').check();
  await act.locator('input[type=file][data-field=picture]').setInputFiles(logo);
  // The first service gets its hours (its page on the kiosk shows them).
  await page.locator('#services > .item').first().locator('[data-field="hours.zh"]').fill('每周一 19:00–20:30');
  await page.waitForSelector('#kiosk .k-act img');

  out.preview = {
    name: await page.textContent('#kiosk .k-name'),
    emergency: await page.textContent('#kiosk .k-emergency'),
    notice: await page.textContent('#kiosk .k-notice'),
    activities: await page.$$eval('#kiosk .k-act', (rows) => rows.map((r) => r.textContent)),
  };
  await page.selectOption('#lang', 'en');
  out.preview_en_name = await page.textContent('#kiosk .k-name');
  await page.selectOption('#lang', 'zh');

  // Ends before it starts: checked and refused, nothing published.
  await page.click('#check');
  await page.waitForSelector('#status.error');
  out.check_error = await page.textContent('#status');
  await page.click('#publish');
  await page.waitForSelector('#status.error');
  out.publish_error = await page.textContent('#status');
  out.version_after_refusal = await page.textContent('#version');

  await act.locator('input[type=time]').nth(1).fill('21:00');
  await page.setInputFiles('#logo-file', logo);
  await page.waitForSelector('#kiosk .k-head img');
  await page.click('#check');
  await page.waitForSelector('#status.ok');
  out.check_ok = await page.textContent('#status');
  await page.click('#publish');
  await page.waitForFunction(() => document.querySelector('#status').className === 'ok'
    && document.querySelector('#status').textContent.includes('Published'));
  out.published = await page.textContent('#status');
  out.version_after = await page.textContent('#version');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot });
  await page.locator('#kiosk').screenshot({ path: shot.replace(/\.png$/, '-preview.png') });

  const res = await page.request.get(`${url}/api/v1/centers/${center}/content`);
  out.published_json = await res.json();
  // Opened again, the editor starts from what was published, logo included.
  await page.reload();
  await page.waitForSelector('#kiosk .k-name');
  out.name_reloaded = await page.inputValue('#center [data-field="name.zh"]');
  out.logo_reloaded = await page.$eval('#logo-now', (i) => i.complete && i.naturalWidth);
  // Published again from the editor: each activity keeps the id the hub gave it.
  await page.click('#publish');
  await page.waitForFunction(() => document.querySelector('#status').className === 'ok'
    && document.querySelector('#status').textContent.includes('Published'));
  out.republished_json = await (await page.request.get(`${url}/api/v1/centers/${center}/content`)).json();
  // Another center's editor and API stay shut, CSRF token or not.
  out.other_page_status = (await page.request.get(`${url}/content/${other}`)).status();
  const csrf = await page.evaluate(() => JSON.parse(document.getElementById('editor-data').textContent).csrf);
  const put = await page.request.put(`${url}/api/v1/centers/${other}/content`, {
    headers: { 'x-csrf-token': csrf, origin: url },
    data: { content: out.published_json },
  });
  out.other_put_status = put.status();
  // Without the token, not even its own center.
  const bare = await page.request.put(`${url}/api/v1/centers/${center}/content`, {
    headers: { origin: url },
    data: { content: out.published_json },
  });
  out.no_token_status = bare.status();
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

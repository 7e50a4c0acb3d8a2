// A city's admin publishes a city-wide emergency notice, an announcement, a
// service and the service process from the hub's region editor, in Debian's Chromium (headless). Prints one
// JSON object for the test to check.
//
// Usage: node region-editor.mjs HUB_URL LOGIN PASSWORD SCREENSHOT.png

import { chromium } from 'playwright-core';

const [url, login, password, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Anything the page's Content-Security-Policy blocks is an error too.
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  const out = {};
  await page.goto(`${url}/login`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${url}/`), page.click('form.login button')]);
  // The dashboard links the admin's own level to its editor.
  await Promise.all([page.waitForURL(/\/content\/region\/\d+$/), page.click('#own-level')]);
  await page.waitForSelector('#kiosk .k-name');
  out.name = await page.inputValue('#center [data-field="name.zh"]');
  out.sections = await page.$$eval('#form > section', (s) => s.map((x) => x.id));
  await page.fill('#emergency [data-field="emergency.zh"]', '台风预警：今天全市青年之家暂停开放');
  await page.fill('#emergency [data-field="emergency.en"]', 'Typhoon warning: all youth centers closed today');
  await page.click('#announcements button.add');
  await page.locator('#announcements .item').last().locator('[data-field="text.zh"]').fill('全市青年志愿者招募');
  // A service and the service process, for every center below the city.
  await page.click('#process > button.add');
  await page.locator('#process > .item').last().locator('[data-field="s.zh"]').fill('扫码签到');
  await page.click('#services > button.add');
  const service = page.locator('#services > .item').last();
  await service.locator('[data-field="title.zh"]').fill('青年驿站');
  await service.locator('[data-field="place.zh"]').fill('一楼服务台');
  await service.locator('section.list > button.add').click();
  await service.locator('section.list > .item').last().locator('[data-field="x.zh"]').fill('出示身份证');
  out.preview_emergency = await page.textContent('#kiosk .k-emergency');
  await page.click('#publish');
  await page.waitForFunction(() => document.querySelector('#status').className === 'ok'
    && document.querySelector('#status').textContent.includes('Published'));
  out.version = await page.textContent('#version');
  await page.screenshot({ path: shot });
  const api = await page.evaluate(() => JSON.parse(document.getElementById('editor-data').textContent).api);
  out.published_json = await (await page.request.get(`${url}${api}`)).json();
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

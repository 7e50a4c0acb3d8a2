// Every page of staff and admins checked by axe-core (the accessibility
// rules of WCAG 2.1 A and AA) in Debian's Chromium (headless), in both
// languages, on an office screen and on a phone. Prints one JSON object:
// per page, the violations axe found (rule, impact, how many elements).
//
// Usage: node a11y.mjs HUB_URL LOGIN PASSWORD PATH...

import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [url, login, password, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

try {
  const out = {};
  for (const [lang, viewport] of [['zh', { width: 1366, height: 768 }], ['en', { width: 390, height: 844 }]]) {
    // The pages allow no script but their own; the checker is let in here.
    const context = await browser.newContext({ viewport, bypassCSP: true });
    await context.addCookies([{ name: 'yc_lang', value: lang, url }]);
    const page = await context.newPage();
    await page.goto(url + '/login');
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL(url + '/'), page.click('form.login button')]);
    for (const path of paths) {
      const res = await page.goto(url + path);
      await page.addScriptTag({ path: axePath });
      const found = await page.evaluate(async () =>
        (await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })).violations
          .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
            target: v.nodes[0]?.target?.join(' ') ?? '' })));
      out[`${lang} ${path}`] = { status: res.status(), violations: found };
    }
    await context.close();
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}

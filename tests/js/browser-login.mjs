// A `BROWSER` for the pancred login tests: headless Chromium (playwright-core) opens the URL,
// logs in at oidc-provider's dev login form (any login/password) or django-oauth-toolkit's
// (tests/dot: alice / alice-password), consents, and follows the
// redirect to pancred's loopback listener (at pancred's own sandbox provider, it answers the
// Approve / Deny page). Usage: BROWSER="node browser-login.mjs" (the URL is appended by pancred).
//
// BROWSER_LOGIN_ACTION: `consent` (default) | `deny` (the consent page's Cancel: access_denied)
// BROWSER_LOGIN_USER: the account to log in as at oidc-provider (default `alice`; its subject)
//                       | `tamper-state` (changes state on the URL, as a forged link would).
// Outcome on stderr: `browser-login: landed HTTP <status> <title>`; exit 0 once landed.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const say = (msg) => process.stderr.write(`browser-login: ${msg}\n`);
const raw = process.argv[2];
if (!raw) {
  say('usage: node browser-login.mjs URL');
  process.exit(2);
}
const action = process.env.BROWSER_LOGIN_ACTION || 'consent';
const start = new URL(raw);
if (action === 'tamper-state') start.searchParams.set('state', 'forged-state');
const redirect = new URL(start.searchParams.get('redirect_uri'));
const landing = `${redirect.origin}${redirect.pathname}`;
const atListener = (u) => u.startsWith(landing);

const profileDir = mkdtempSync(join(tmpdir(), 'pancred-chromium-'));
let context;
let code = 1;
try {
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.PANCRED_TEST_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(60_000);
  let landedStatus = null;
  page.on('response', (r) => {
    if (atListener(r.url())) landedStatus = r.status();
  });
  await page.goto(start.href);
  for (let step = 0; step < 10 && !atListener(page.url()); step += 1) {
    const here = page.url();
    if (await page.$('input[name="login"]')) {
      await page.fill('input[name="login"]', process.env.BROWSER_LOGIN_USER || 'alice');
      await page.fill('input[name="password"]', 'alice-password');
      await page.click('button[type="submit"]');
    } else if (await page.$('input[name="username"]')) {
      // django-oauth-toolkit's site: Django's login form.
      await page.fill('input[name="username"]', 'alice');
      await page.fill('input[name="password"]', 'alice-password');
      await page.click('button[type="submit"]');
    } else if (await page.$('input[name="allow"]')) {
      // django-oauth-toolkit's consent: Authorize, or Cancel (access_denied).
      await page.click(action === 'deny' ? 'input[type="submit"]:not([name])' : 'input[name="allow"]');
    } else if (await page.$('button[name="decision"][value="approve"]')) {
      // pancred's own sandbox provider: one page with Approve and Deny.
      await page.click(action === 'deny' ? 'button[value="deny"]' : 'button[value="approve"]');
    } else if (await page.$('input[name="prompt"][value="consent"]')) {
      if (action === 'deny') await page.click('a[href$="/abort"]');
      else await page.click('button[type="submit"]');
    } else {
      throw new Error(`no login or consent form at ${here}: ${(await page.content()).slice(0, 500)}`);
    }
    await page.waitForURL((u) => u.href !== here);
    await page.waitForLoadState('load');
  }
  if (!atListener(page.url())) throw new Error(`never reached ${landing}; at ${page.url()}`);
  say(`landed HTTP ${landedStatus} ${await page.title()}`);
  code = 0;
} catch (e) {
  say(`failed: ${e.message}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(code);

// Drives Debian's chromium through the demo shop of a running stack, as a customer and as shop
// staff would, on a desktop and on a phone-sized screen:
//   node shop.js --gateway URL --sim URL --out DIR --admin USER:PASSWORD
// A failing step saves a screenshot and the page's console log under DIR and exits 1; the
// screenshots the README shows are saved there on success.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
for (const k of ['gateway', 'sim', 'out', 'admin']) if (!args[k]) { console.error(`missing --${k}`); process.exit(2); }
const [adminUser, adminPassword] = args.admin.split(':');
fs.mkdirSync(args.out, { recursive: true });

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const TIMEOUT = 20000;
const unique = () => Math.random().toString(36).slice(2, 10);
const mobile = () => '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');

let browser;
const consoles = new Map();  // page → console lines

async function open(viewport) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  page.setDefaultTimeout(TIMEOUT);
  const lines = [];
  consoles.set(page, lines);
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  await page.goto(args.gateway + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('[data-sku]');
  return page;
}

let current = null;  // the page the running step uses
async function step(name, fn) {
  process.stdout.write(`- ${name} … `);
  const started = Date.now();
  try {
    await fn();
    console.log(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.log('FAILED');
    console.error(`${name}: ${e.stack || e}`);
    if (current) {
      const base = path.join(args.out, `failed-${name.replace(/[^a-z0-9]+/gi, '-')}`);
      await current.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
      fs.writeFileSync(`${base}.console.log`, (consoles.get(current) || []).join('\n') + '\n');
      console.error(`screenshot and console log: ${base}.png, ${base}.console.log`);
    }
    await browser.close();
    process.exit(1);
  }
}

function expect(cond, message) { if (!cond) throw new Error(message); }
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());
async function fill(page, sel, value) { await page.$eval(sel, (e) => { e.value = ''; }); await page.type(sel, value); }
async function waitText(page, sel, pattern) {
  await page.waitForFunction((s, p) => { const e = document.querySelector(s); return e && new RegExp(p).test(e.textContent); },
    {}, sel, pattern.source || pattern);
}
async function smsCode(number) {
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${args.sim}/sim/sms?mobile=${number}`);
    const body = await r.text();
    const codes = [...body.matchAll(/验证码\D{0,3}(\d{6})/g)].map((m) => m[1]);
    if (r.ok && codes.length) return codes[codes.length - 1];
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no SMS code for ${number}`);
}
async function setQuantity(page, index, qty) {
  const inputs = await page.$$('[data-sku]');
  await inputs[index].click({ clickCount: 3 });
  await inputs[index].type(String(qty));
}
const orderRows = (page) => page.$$eval('#orders tr[data-order]', (rows) => rows.map((r) => ({
  id: r.dataset.order, state: r.querySelector('.state').textContent, pay: !!r.querySelector('[data-pay]') })));

(async () => {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const user = `shop_${unique()}`, password = `pw-${unique()}-long`, phone = mobile();

  // ---- desktop: a new customer ----
  const page = current = await open(DESKTOP);
  await step('prices are shown in yuan, the cart adds up', async () => {
    const price = await page.$eval('#products tr:nth-child(2) td:nth-child(2)', (e) => e.textContent);
    expect(/^¥\d+\.\d\d$/.test(price), `price shown as ${price}`);
    await setQuantity(page, 0, 2);
    const fen = Math.round(parseFloat(price.slice(1)) * 100) * 2;
    await waitText(page, '#cart-total', `^¥${(fen / 100).toFixed(2).replace('.', '\\.')}$`);
  });
  await step('a wrong password is said next to the form', async () => {
    await fill(page, '#username', `nobody_${unique()}`);
    await fill(page, '#password', 'wrong password 1');
    await page.click('#login');
    await waitText(page, '#password-error', '.+');
    expect(await page.$eval('#password-error', (e) => e.offsetParent !== null), 'error not visible');
  });
  await step('register with an SMS code, then sign in', async () => {
    await fill(page, '#username', user);
    await fill(page, '#password', password);
    await fill(page, '#reg-mobile', phone);
    await page.click('#reg-send');
    await waitText(page, '#password-note', 'Code sent');
    await fill(page, '#reg-code', await smsCode(phone));
    await page.click('#register');
    await waitText(page, '#password-note', 'Registered');
    await page.click('#login');
    await waitText(page, '#who', `Signed in as ${user}`);
  });
  await step('placing the same cart twice makes one order', async () => {
    await page.$eval('#order', (b) => { b.click(); b.click(); });
    await page.waitForSelector('#orders tr[data-order]');
    await new Promise((r) => setTimeout(r, 500));
    const rows = await orderRows(page);
    expect(rows.length === 1, `${rows.length} orders`);
    await waitText(page, '#detail-body', 'CREATED');
  });
  await step('Native QR pay: paid without reloading', async () => {
    await page.click('#orders [data-pay]');
    await page.waitForSelector('#pay-body img[alt="WeChat Pay QR code"]');
    await page.screenshot({ path: path.join(args.out, 'shop-desktop-pay.png') });
    await page.click('#simpay');
    await waitText(page, '#pay-status', '^Paid ¥');
    const rows = await orderRows(page);
    expect(rows[0].state.startsWith('PAID') && !rows[0].pay, `row: ${JSON.stringify(rows[0])}`);
    await waitText(page, '#detail-body', 'paid');
  });
  await step('a customer may not refund: said next to the button', async () => {
    await page.click('#refund-all');
    await waitText(page, '#refund-error', '.+');
  });
  await step('cancel an unpaid order', async () => {
    await setQuantity(page, 0, 1);
    await page.click('#order');
    await page.waitForFunction(() => document.querySelectorAll('#orders tr[data-order]').length === 2);
    await page.click('#orders [data-cancel]');
    await page.waitForFunction(() => [...document.querySelectorAll('#orders .state')].some((s) => s.textContent.startsWith('CLOSED')));
    await page.screenshot({ path: path.join(args.out, 'shop-desktop-orders.png'), fullPage: true });
  });
  await step('signing out clears the orders and their buttons', async () => {
    await page.click('#logout');
    await waitText(page, '#who', 'Not signed in');
    expect((await orderRows(page)).length === 0, 'orders still shown');
    expect(await page.$('#orders [data-pay], #orders [data-cancel]') === null, 'buttons still shown');
    expect(await page.$eval('#detail', (e) => e.hidden), 'order detail still shown');
  });
  await step('sign in with WeChat (simulator authorize page) and back', async () => {
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#wechat-base')]);
    await waitText(page, '#who', '^Signed in as ');
  });
  await step('sign in with WeChat sharing the profile, and as the mini program', async () => {
    await page.click('#logout');
    await waitText(page, '#who', 'Not signed in');
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#wechat-userinfo')]);
    await waitText(page, '#who', '^Signed in as ');
    await page.click('#logout');
    await waitText(page, '#who', 'Not signed in');
    await page.click('#miniprogram');
    await waitText(page, '#who', '^Signed in as ');
    await page.click('#logout');
    await waitText(page, '#who', 'Not signed in');
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#wechat-base')]);
    await waitText(page, '#who', '^Signed in as ');
  });
  await step('inside WeChat: JSAPI pay through the JS bridge', async () => {
    await page.click('#in-wechat');
    await setQuantity(page, 0, 1);
    await page.click('#order');
    await page.waitForSelector('#orders [data-pay]');
    await page.click('#orders [data-pay]');
    await waitText(page, '#pay-status', '^Paid ¥');
    await page.click('#in-wechat');
    await page.click('#logout');
    await waitText(page, '#who', 'Not signed in');
  });

  // ---- shop staff refunds ----
  await step('staff refund part of a paid order', async () => {
    await fill(page, '#username', adminUser);
    await fill(page, '#password', adminPassword);
    await page.click('#login');
    await waitText(page, '#who', `Signed in as ${adminUser}`);
    await setQuantity(page, 0, 3);
    await page.click('#order');
    await page.waitForSelector('#orders [data-pay]');
    await page.click('#orders [data-pay]');
    await page.waitForSelector('#simpay');
    await page.click('#simpay');
    await waitText(page, '#pay-status', '^Paid ¥');
    await fill(page, '#refund-amount', '0.01');
    await fill(page, '#refund-reason', 'one item returned');
    await page.click('#refund');
    await waitText(page, '#refunds', 'SUCCESS');
    await waitText(page, '#detail-body', 'PARTIALLY_REFUNDED');
    await waitText(page, '#timeline', 'created[\\s\\S]*prepay issued \\(native\\)[\\s\\S]*paid[\\s\\S]*refund requested ¥0\\.01[\\s\\S]*refunded ¥0\\.01');
    await page.screenshot({ path: path.join(args.out, 'shop-desktop-refund.png'), fullPage: true });
    await page.click('#refund-all');  // more than is left: refused, and said so
    await waitText(page, '#refund-error', 'left to refund');
    await page.click('#logout');
  });

  // ---- phone: SMS sign-in and H5 pay ----
  const phonePage = current = await open(PHONE);
  await step('phone: sign in with an SMS code', async () => {
    await fill(phonePage, '#sms-mobile', phone);
    await phonePage.click('#sms-send');
    await waitText(phonePage, '#sms-note', 'Code sent');
    await new Promise((r) => setTimeout(r, 200));
    await fill(phonePage, '#sms-code', await smsCode(phone));
    await phonePage.click('#sms-login');
    await waitText(phonePage, '#who', `Signed in as ${user}`);
  });
  await step('phone: H5 pay in WeChat\'s cashier, the shop sees it paid', async () => {
    await setQuantity(phonePage, 0, 1);
    await phonePage.click('#order');
    await phonePage.waitForFunction(() => document.querySelectorAll('#orders [data-pay]').length === 1);
    await phonePage.click('#orders [data-pay]');
    const link = await phonePage.waitForSelector('#h5-link');
    const href = await link.evaluate((a) => a.href);
    const cashier = current = await browser.newPage();
    await cashier.setViewport(PHONE);
    await cashier.goto(href);
    await Promise.all([cashier.waitForResponse((r) => r.url().includes('/sim/h5/pay')),
      cashier.click('button[value="pay"]')]);
    await cashier.close();
    current = phonePage;
    await phonePage.bringToFront();  // back in the shop's tab, whose timers were throttled
    await waitText(phonePage, '#pay-status', '^Paid ¥');
    const width = await phonePage.evaluate(() => document.documentElement.scrollWidth);
    expect(width <= 390, `the page is ${width}px wide on a 390px screen`);
    await phonePage.$eval('#orders', (e) => e.scrollIntoView());
    await phonePage.screenshot({ path: path.join(args.out, 'shop-phone.png') });
  });

  await browser.close();
  console.log('all steps passed');
})().catch(async (e) => { console.error(e); if (browser) await browser.close(); process.exit(1); });

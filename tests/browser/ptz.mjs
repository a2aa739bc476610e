// Drives the PTZ controls of /watch in Debian's headless Chromium (playwright-core; no browser is
// ever downloaded) and reports, as one JSON object on stdout, what the page showed and sent:
//
//   node tests/browser/ptz.mjs CONTROL_URL [OTHER_URL ...]
//
// CONTROL_URL is a page that should show the controls: the script waits for them, holds the
// up-right arrow, then zoom in, then the Up arrow key, clicks home, opens the presets and clicks
// the first. Each OTHER_URL is a page that should not show them: it is opened and looked at once
// its channel information has been answered (or after a moment when the page asks none).
//
// {"control": {"arrows": [...data-move], "zoom": bool, "home": bool, "presets": [{"name", "token"}],
//              "answers": [{"request": "/api/channel/ptz?ch=1&move=0.5,0.5", "code": 0}, ...]},
//  "others": [{"url", "configControl", "shown", "asked": ["/api/channel/info?..."]}], "errors": [...]}
//
// Requests are reported without their auth= and lang= parameters. CHROMIUM overrides the
// browser's path (default /usr/bin/chromium).
import { launchChromium } from './chromium.mjs';

const [controlUrl, ...otherUrls] = process.argv.slice(2);
if (!controlUrl) {
  console.error('usage: node ptz.mjs CONTROL_URL [OTHER_URL ...]');
  process.exit(2);
}
const HOLD_MS = 300;
const WAIT_MS = 20000;

const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
const started = Date.now();
const report = { control: null, others: [], errors: [], timings: {} };
const mark = (name) => { report.timings[name] = Date.now() - started; };
mark('launched');

function shortUrl(url) {
  const u = new URL(url);
  u.searchParams.delete('auth');
  u.searchParams.delete('lang');
  return u.pathname + '?' + decodeURIComponent(u.searchParams.toString()).replace(/=(&|$)/g, '$1');
}

function isApi(response, path, part) {
  const url = response.url();
  return url.includes(path) && (!part || url.includes(part));
}

async function open(url) {
  const page = await browser.newPage();
  // A failed request is reported with its address (the console's own line does not say which).
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) report.errors.push(msg.text());
  });
  page.on('response', (r) => { if (r.status() >= 400) report.errors.push(r.status() + ' ' + shortUrl(r.url())); });
  page.on('pageerror', (err) => report.errors.push(String(err)));
  const asked = [];
  page.on('request', (request) => { if (request.url().includes('/api/channel/')) asked.push(shortUrl(request.url())); });
  return { page, asked };
}

// Sends what `act` does and returns the answer of the request whose URL has `path` and `part`.
async function answerTo(page, path, part, act) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => isApi(r, path, part), { timeout: WAIT_MS }),
    act(),
  ]);
  return { request: shortUrl(response.url()), code: (await response.json()).code };
}

async function hold(page, selector, part) {
  const answers = [];
  await page.hover(selector);
  answers.push(await answerTo(page, '/api/channel/ptz', part, () => page.mouse.down()));
  await page.waitForTimeout(HOLD_MS);
  answers.push(await answerTo(page, '/api/channel/ptz', 'stop', () => page.mouse.up()));
  return answers;
}

async function drive(url) {
  const { page } = await open(url);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  mark('opened');
  await page.waitForSelector('#ptz [data-move="1,1"]', { timeout: WAIT_MS });
  mark('controls');
  const seen = await page.evaluate(() => ({
    arrows: [...document.querySelectorAll('#ptz [data-move]')].map((b) => b.getAttribute('data-move')),
    zoom: !!document.querySelector('#ptz .ptz-zoom-in') && !!document.querySelector('#ptz .ptz-zoom-out'),
    home: !!document.querySelector('#ptz .ptz-home'),
  }));
  const answers = [];
  answers.push(...await hold(page, '#ptz [data-move="1,1"]', 'move='));
  answers.push(...await hold(page, '#ptz .ptz-zoom-in', 'zoom='));
  await page.mouse.move(1, 1);
  answers.push(await answerTo(page, '/api/channel/ptz', 'move=', () => page.keyboard.down('ArrowUp')));
  await page.waitForTimeout(HOLD_MS);
  answers.push(await answerTo(page, '/api/channel/ptz', 'stop', () => page.keyboard.up('ArrowUp')));
  answers.push(await answerTo(page, '/api/channel/ptz', 'home', () => page.click('#ptz .ptz-home')));
  await page.click('#ptz .ptz-presets summary');
  await page.waitForSelector('#ptz .ptz-presets[data-loaded]', { timeout: WAIT_MS });
  const presets = await page.evaluate(() => [...document.querySelectorAll('#ptz [data-preset]')]
    .map((b) => ({ name: b.textContent, token: b.getAttribute('data-preset') })));
  if (presets.length) {
    answers.push(await answerTo(page, '/api/channel/preset', 'go=',
                                () => page.click('#ptz [data-preset]')));
  }
  report.control = { ...seen, presets, answers };
  mark('driven');
  await page.close();
}

async function look(url) {
  const { page, asked } = await open(url);
  const info = page.waitForResponse((r) => isApi(r, '/api/channel/info'), { timeout: WAIT_MS }).catch(() => null);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  const configControl = await page.evaluate(
    () => JSON.parse(document.getElementById('watch-config').textContent).control);
  if (configControl) await info;
  await page.waitForTimeout(500);  // time to draw controls, were they coming
  const shown = await page.evaluate(() => !!document.getElementById('ptz'));
  report.others.push({ url: shortUrl(url), configControl, shown, asked });
  mark(shortUrl(url));
  await page.close();
}

try {
  await drive(controlUrl);
  for (const url of otherUrls) await look(url);
} catch (e) {
  report.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));

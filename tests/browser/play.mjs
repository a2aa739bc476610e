// Opens a /watch page in Debian's headless Chromium (driven by playwright-core; no browser is
// ever downloaded) and reports, as one JSON object on stdout, how the video played:
//
//   node tests/browser/play.mjs URL SECONDS
//
// {"started": bool, "startDelayS": n, "mode": "ws"|"hls"|"mse-recorded"|...,
//  "samples": [{"t", "currentTime", "frames", "clock", "wallMs", "paused", "readyState"}],
//  "copyTexts": {"url", "embed"}, "status": "...", "errors": ["console error or page error", ...]}
//
// Sampling starts once the video plays (currentTime > 0), or after 30 s without that, and lasts
// SECONDS. CHROMIUM overrides the browser's path (default /usr/bin/chromium).
import { launchChromium } from './chromium.mjs';

const [url, secondsArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node play.mjs URL [SECONDS]');
  process.exit(2);
}
const seconds = Number(secondsArg || 8);
const START_TIMEOUT_MS = 30000;
const SAMPLE_EVERY_MS = 500;

const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
const report = { started: false, startDelayS: null, mode: null, samples: [], errors: [] };
try {
  const page = await browser.newPage();  // a fresh context: a new, empty profile
  page.on('console', (msg) => { if (msg.type() === 'error') report.errors.push(msg.text()); });
  page.on('pageerror', (err) => report.errors.push(String(err)));
  const opened = Date.now();
  const answer = await page.goto(url, { waitUntil: 'domcontentloaded' });
  report.httpStatus = answer ? answer.status() : null;
  await page.waitForSelector('video', { timeout: 10000, state: 'attached' });

  const sample = () => page.evaluate(() => {
    const video = document.querySelector('video');
    const clock = document.getElementById('clock');
    const quality = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    const wall = clock && clock.getAttribute('data-wall-ms');
    return {
      currentTime: video.currentTime,
      frames: quality ? quality.totalVideoFrames : null,
      clock: clock ? clock.textContent : null,
      wallMs: wall ? Number(wall) : null,
      paused: video.paused,
      readyState: video.readyState,
    };
  });

  try {
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0,
                               null, { timeout: START_TIMEOUT_MS, polling: 100 });
    report.started = true;
    report.startDelayS = (Date.now() - opened) / 1000;
  } catch (e) {
    report.errors.push('the video did not start: ' + e.message.split('\n')[0]);
  }
  const begin = Date.now();
  while (Date.now() - begin <= seconds * 1000) {
    report.samples.push({ t: (Date.now() - begin) / 1000, ...(await sample()) });
    await page.waitForTimeout(SAMPLE_EVERY_MS);
  }
  Object.assign(report, await page.evaluate(() => ({
    mode: document.documentElement.getAttribute('data-mode'),
    status: (document.getElementById('status') || {}).textContent || '',
    copyTexts: window.TsWatch ? window.TsWatch.copyTexts || null : null,
  })));
} catch (e) {
  report.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));

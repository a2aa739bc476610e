// Runs the guide's ex4 export page (tests/browser/ex4_export.html) in Debian's headless Chromium, driven
// by playwright-core, the way a person would: fills in the form, clicks Connect, and lets the page do the
// rest (the export over /wsapi/dataExport, the downloads by XMLHttpRequest, "next" after each file).
//
//   node tests/browser/ex4_export.mjs PAGE_URL OUT_DIR FORM_JSON
//
// FORM_JSON: {"host-name", "user-id", "password", "timeBegin", "timeEnd" (datetime-local values),
//   "channels": [1, 2], "mediaSize", "subtitleFormat", "submitter", "recipient", "purpose",
//   "statusInterval", "lang", "md5": true|false}
// Every file the page hands to the browser as a download is saved in OUT_DIR under its name.
// Prints one JSON object: {"url": the URL the page showed, "form": the field values as the browser holds
// them, "ex4": the page's window.ex4Test (messages, commands, finishes, received), "saved": [file names],
// "dialogs": [alert texts], "errors": [console errors, page errors], "timedOut": bool}.
// CHROMIUM overrides the browser's path (default /usr/bin/chromium).
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';

const [pageUrl, outDir, formJson] = process.argv.slice(2);
if (!pageUrl || !outDir || !formJson) {
  console.error('usage: node ex4_export.mjs PAGE_URL OUT_DIR FORM_JSON');
  process.exit(2);
}
const form = JSON.parse(formJson);
const FINISH_TIMEOUT_MS = 90000;
const CLOSE_WAIT_MS = 3000;

const browser = await launchChromium();
const report = { url: null, form: null, ex4: null, saved: [], dialogs: [], errors: [], timedOut: false };
const saving = [];
try {
  const context = await browser.newContext({ acceptDownloads: true });  // a new, empty profile
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') report.errors.push(msg.text()); });
  page.on('pageerror', (err) => report.errors.push(String(err)));
  page.on('dialog', (dialog) => { report.dialogs.push(dialog.message()); dialog.dismiss(); });
  page.on('download', (download) => {
    const name = download.suggestedFilename();
    saving.push(download.saveAs(join(outDir, name)).then(() => report.saved.push(name),
                                                          (e) => report.errors.push(`${name}: ${e}`)));
  });
  await page.goto(pageUrl, { waitUntil: 'load' });

  for (const id of ['host-name', 'user-id', 'password', 'mediaSize', 'submitter', 'recipient', 'purpose',
                    'statusInterval']) {
    await page.fill(`#${id}`, form[id]);
  }
  // datetime-local: set as a person picking a time would; the page reads back the browser's own value
  for (const id of ['timeBegin', 'timeEnd']) {
    await page.$eval(`#${id}`, (el, value) => { el.value = value; }, form[id]);
  }
  for (const box of await page.$$('input.chid')) {
    const chid = Number(await box.getAttribute('value'));
    await box.setChecked(form.channels.includes(chid));
  }
  await page.selectOption('#subtitleFormat', form.subtitleFormat);
  await page.selectOption('#lang', form.lang);
  await page.setChecked('#md5', Boolean(form.md5));
  report.form = await page.evaluate(() => Object.fromEntries(
    ['timeBegin', 'timeEnd', 'mediaSize', 'subtitleFormat', 'statusInterval', 'lang', 'submitter', 'recipient',
     'purpose'].map((id) => [id, document.getElementById(id).value])));

  await page.click('button[onclick="onConnect()"]');
  report.url = await page.textContent('#url');
  try {
    await page.waitForFunction(() => {
      const t = window.ex4Test;
      return (t.ended || t.closeCode !== null) && t.hashing === 0 && window.myApp.downloadJobs.length === 0;
    }, null, { timeout: FINISH_TIMEOUT_MS, polling: 100 });
  } catch (e) {
    report.timedOut = true;
    report.errors.push('the export did not finish: ' + e.message.split('\n')[0]);
  }
  try {  // the server closes the socket after end
    await page.waitForFunction(() => window.ex4Test.closeCode !== null, null, { timeout: CLOSE_WAIT_MS });
  } catch (e) {
    // reported as closeCode null
  }
  report.ex4 = await page.evaluate(() => window.ex4Test);
  await Promise.all(saving);
} catch (e) {
  report.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));

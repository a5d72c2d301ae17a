// Opens the built documentation site in headless Chromium (the binary @sparticuz/chromium ships on npm) and
// reports what a reader sees: `node tests/docs_site.mjs SITE_DIR SCREENSHOT_DIR` prints one JSON object.
import chromium from "@sparticuz/chromium";
import { chromium as playwright } from "playwright-core";

const [site, shots] = process.argv.slice(2);
const browser = await playwright.launch({
  executablePath: await chromium.executablePath(), args: chromium.args, headless: true,
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seen = {};

  await page.goto(`file://${site}/index.html`);
  const quickStart = page.locator("h2#quick-start");
  await quickStart.scrollIntoViewIfNeeded();
  seen.home = {
    title: await page.title(),
    quickStart: await quickStart.isVisible(),
    example: await page.locator("pre code", { hasText: "ServerlessFunction(" }).first().isVisible(),
    navigation: await page.locator("nav").first().isVisible(),
  };
  await page.screenshot({ path: `${shots}/quick-start.png` });

  await page.goto(`file://${site}/reference/index.html`);
  const heading = page.locator("h2", { hasText: "ServerlessFunction" }).first();
  await heading.scrollIntoViewIfNeeded();
  seen.reference = {
    heading: await heading.isVisible(),
    memorySize: await page.locator("td", { hasText: "memory_size" }).first().isVisible(),
    default256: (await page.locator("body").innerText()).includes("Default: 256"),
  };
  await page.screenshot({ path: `${shots}/serverless-function.png` });
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}

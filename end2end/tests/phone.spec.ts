// The on-call engineer's first screen is a phone: at 375 px the overview shows every
// workload's state, replicas, load and last decision without scrolling sideways, and the
// policy editor's header and save panel do not cover the form.
import { test, expect } from "@playwright/test";

test.use({ viewport: { width: 375, height: 740 } });

test("the overview fits a phone", async ({ page }, info) => {
  await page.goto("/");
  await expect(page.locator("#at-a-glance")).toBeVisible();
  const row = page.locator("#workload-table tbody tr").first();
  await expect(row).toBeVisible();
  for (const label of ["State", "Replicas", "Load vs target", "Last decision"]) {
    const cell = row.locator(`td[data-label="${label}"]`);
    await expect(cell).toBeVisible();
    const box = (await cell.boundingBox())!;
    expect(box.x, label).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, label).toBeLessThanOrEqual(375 + 1);
  }
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(375);
  await page.screenshot({ path: `screenshots/${info.project.name}-phone-overview.png`, fullPage: true });
});

test("the policy editor is usable on a phone", async ({ page }, info) => {
  await page.goto("/policies/new");
  const positions = await page.evaluate(() => ({
    header: getComputedStyle(document.querySelector(".topbar")!).position,
    save: getComputedStyle(document.querySelector(".save-panel")!).position,
  }));
  expect(positions).toEqual({ header: "static", save: "static" });
  // Scrolled to the middle of the form, nothing fixed covers it.
  await page.locator("#f-name").scrollIntoViewIfNeeded();
  const covered = await page.evaluate(() => {
    const h = window.innerHeight;
    let fixed = 0;
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const s = getComputedStyle(el);
      if (s.position === "sticky" || s.position === "fixed") {
        const r = el.getBoundingClientRect();
        fixed += Math.max(0, Math.min(r.bottom, h) - Math.max(r.top, 0));
      }
    }
    return fixed / h;
  });
  expect(covered).toBeLessThan(0.15);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(375);
  await page.screenshot({ path: `screenshots/${info.project.name}-phone-editor.png`, fullPage: false });
});

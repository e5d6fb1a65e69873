// JavaScript off: content comes from the server alone, and forms still work.
import { test, expect } from "@playwright/test";

test("overview shows the installation status from the server", async ({ page }) => {
  await page.goto("/");
  const status = page.locator("#status");
  await expect(status).toContainText("Version");
  await expect(status).toContainText("migration");
  await page.locator("#refresh-status").click();
  await expect(page).toHaveURL(/\/(\?)?$/);
  await expect(status).toContainText("Checked");
});

test("the workload chart is drawn by the server, not left an empty box", async ({ page }, info) => {
  await page.goto("/workloads");
  await page.locator("#workload-table tbody th a").first().click();
  const svg = page.locator(".chart-box .chart-fallback svg.chart-svg");
  await expect(svg).toBeVisible();
  // The demo seed has recorded samples by the time the page is served: a load line with points.
  const d = await svg.locator("path.load").getAttribute("d");
  expect(d ?? "").toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+/);
  await expect(svg).toHaveAttribute("aria-label", /Load and replicas from .* scale actions/);
  const box = (await svg.boundingBox())!;
  expect(box.height).toBeGreaterThan(100);
  await page.screenshot({ path: `screenshots/${info.project.name}-chart-svg.png` });
});

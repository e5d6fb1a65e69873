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

// Hostile names in a real browser, JavaScript on and off: a policy name is free text, so it may
// hold markup and a </title> break-out. Saved through the editor, it must stay text on every
// page that shows it: the document title, the heading, the policies table. Nothing navigates
// away, no script runs, no element is injected.
import { test, expect } from "@playwright/test";
import { signIn } from "./policies.auth";

test.beforeEach(async ({ page, baseURL }) => { await signIn(page, baseURL); });

test("a policy named with markup stays text in the title, heading and tables", async ({ page, baseURL }, info) => {
  const tag = `${info.project.name[0]}${Date.now().toString(36)}`;
  // At most 100 characters (the name rule), unique per run and project.
  const name = `${tag}</title><meta http-equiv=refresh content=0;url=/login?x><img src=x onerror=alert(1)>`;
  expect(name.length).toBeLessThanOrEqual(100);
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs += 1; void d.dismiss(); });

  await page.goto("/policies/new");
  await page.locator("#f-name").fill(name);
  await page.locator("#f-comment").fill("hostile name");
  await page.locator("#save-policy").click();
  await expect(page).toHaveURL(/\/policies\/\d+\?saved=1$/);
  const editor = page.url();

  for (const path of [editor, "/policies"]) {
    await page.goto(path);
    await page.waitForTimeout(1200); // a refresh meta tag would have fired by now
    expect(new URL(page.url()).pathname, `${path} stayed put`).toBe(new URL(path, baseURL).pathname);
    await expect(page.locator("meta[http-equiv]")).toHaveCount(0);
    await expect(page.locator("img[src=x]")).toHaveCount(0);
    await expect(page.getByText(name, { exact: false }).first()).toBeVisible();
  }
  await page.goto(editor);
  expect(await page.title()).toBe(`Policy ${name} (v1) · ebb`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Policy ${name} (v1)`);
  expect(dialogs).toBe(0);
});

// Accounts with JavaScript on (the admin page shows a new user's one-time password in place):
// signing out ends the session, a viewer gets no form to save a policy, and the audit trail
// names the person who changed a policy.
import { test, expect } from "@playwright/test";
import { signIn } from "./session";


test("sign out ends the session", async ({ browser, baseURL, page }, info) => {
  const js = true;
  // A separate account so the shared session stays valid.
  await page.goto("/admin");
  const name = `out-${info.project.name}-${Date.now()}`;
  await page.getByLabel("User name").fill(name);
  await page.getByRole("button", { name: "Add user" }).click();
  const password = (await page.locator("#one-time-password").textContent())!.trim();
  const { ctx, page: p } = await signIn(browser, baseURL!, name, password, js);
  await expect(p.locator("#user-name")).toHaveText(name);
  await p.getByRole("button", { name: "Sign out" }).click();
  await expect(p.locator("#login-message")).toHaveText("You are signed out.");
  await p.goto("/");
  await expect(p).toHaveURL(/\/login/);
  await ctx.close();
});

test("a viewer gets no policy form, and the audit trail names who changed one", async ({ browser, baseURL, page }, info) => {
  const js = true;
  await page.goto("/admin");
  const viewer = `viewer-${info.project.name}-${Date.now()}`;
  await page.getByLabel("User name").fill(viewer);
  await page.locator("#new-role").selectOption("viewer");
  await page.getByRole("button", { name: "Add user" }).click();
  const password = (await page.locator("#one-time-password").textContent())!.trim();
  await page.screenshot({ path: `screenshots/${info.project.name}-admin.png`, fullPage: true });

  const { ctx, page: v } = await signIn(browser, baseURL!, viewer, password, js);
  // A viewer reads policies but gets no form that changes one.
  await v.goto("/policies");
  await expect(v.locator("#new-policy")).toHaveCount(0);
  await v.goto("/policies/new");
  await expect(v.locator("#editor-role")).toBeVisible();
  await expect(v.locator("#save-policy")).toHaveCount(0);
  await expect(v.locator("#f-name")).toBeDisabled();
  await ctx.close();

  await page.goto("/audit");
  const entry = page.locator(".audit-entry", { hasText: "policy." }).first();
  await expect(entry.locator(".actor")).toHaveText(/e2e|ebb \(demo seed\)/);
  await expect(page.locator(".audit-entry .actor", { hasText: "e2e" }).first()).toBeVisible();
  await page.screenshot({ path: `screenshots/${info.project.name}-audit.png`, fullPage: true });
});

// Signing in, in both projects (JavaScript on and off): strangers go to the login page and a
// wrong password gets a generic error.
import { test, expect } from "@playwright/test";
import { signIn } from "./session";


test("a stranger is sent to the login page; a wrong password gets a generic error", async ({ browser, baseURL }, info) => {
  const js = info.project.name === "hydrated";
  const { ctx, page } = await signIn(browser, baseURL!, "e2e", "not the password", js);
  await expect(page.locator("#login-message")).toHaveText("Unknown user or wrong password.");
  await page.goto("/history");
  await expect(page).toHaveURL(/\/login\?next=\/history/);
  await page.screenshot({ path: `screenshots/${info.project.name}-login.png` });
  await ctx.close();
});


// Sign-in for the policy specs when the server has accounts: set EBB_E2E_PASSWORD (and
// EBB_E2E_USER, default "admin"). Without it the specs assume an open server. The form post
// goes through the page's request context, so the session cookie lands in the browser.
import { Page, expect } from "@playwright/test";

export async function signIn(page: Page, baseURL: string | undefined) {
  const password = process.env.EBB_E2E_PASSWORD;
  if (!password) return;
  const res = await page.request.post("/login", {
    form: { username: process.env.EBB_E2E_USER || "admin", password, next: "/" },
    headers: { Origin: baseURL || "" },
    maxRedirects: 0,
  });
  expect(res.status(), await res.text()).toBeLessThan(400);
  expect(res.headers()["location"] || "").not.toContain("error");
}

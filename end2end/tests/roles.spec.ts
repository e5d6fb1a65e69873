// The role × form matrix, with JavaScript on and off: each role sees only the forms it may
// use, and a refused submit keeps the person on their page with the reason.
import { test, expect, Page } from "@playwright/test";
import { signIn } from "./session";

type Role = "viewer" | "operator" | "editor";

/// A new account with `role`, made through the admin's session; returns its one-time password.
async function makeUser(page: Page, baseURL: string, role: Role) {
  const name = `${role}-${test.info().project.name}-${Date.now()}`;
  const res = await page.request.post("/api/add_user", {
    form: { username: name, role },
    headers: { Origin: baseURL, Accept: "application/json" },
  });
  expect(res.status(), await res.text()).toBe(200);
  return { name, password: JSON.parse(await res.text()) as string };
}

/// Opens the first workload's page.
async function firstWorkload(p: Page) {
  await p.goto("/workloads");
  await p.locator("#workload-table tbody th a").first().click();
  await expect(p.locator("#chart-title")).toBeVisible();
}

const may = {
  viewer: { pin: false, newPolicy: false, register: false },
  operator: { pin: true, newPolicy: false, register: false },
  editor: { pin: true, newPolicy: true, register: false },
};

for (const role of ["viewer", "operator", "editor"] as Role[]) {
  test(`a ${role} sees only the forms a ${role} may use`, async ({ browser, baseURL, page }, info) => {
    const js = info.project.name !== "ssr-no-js";
    const u = await makeUser(page, baseURL!, role);
    const { ctx, page: p } = await signIn(browser, baseURL!, u.name, u.password, js);
    await firstWorkload(p);
    await expect(p.locator(".override-form")).toHaveCount(may[role].pin ? 1 : 0);
    if (!may[role].pin) await expect(p.locator("#override-role")).toContainText("needs the operator role");
    await p.goto("/policies");
    await expect(p.locator("#new-policy")).toHaveCount(may[role].newPolicy ? 1 : 0);
    await p.locator("#policy-table a[href^='/policies/']").first().click();
    if (may[role].newPolicy) {
      await expect(p.locator("#save-policy")).toBeVisible();
    } else {
      await expect(p.locator("#editor-role")).toBeVisible();
      await expect(p.locator("#save-policy")).toHaveCount(0);
    }
    await p.goto("/backends");
    await expect(p.locator("#register-swarm")).toHaveCount(may[role].register ? 1 : 0);
    await expect(p.locator("#backends-role")).toContainText("needs the admin role");
    await p.screenshot({ path: `screenshots/${info.project.name}-role-${role}-backends.png`, fullPage: true });
    await ctx.close();
  });
}

test("a refused submit keeps the page and says why", async ({ browser, baseURL, page }, info) => {
  const js = info.project.name !== "ssr-no-js";
  const u = await makeUser(page, baseURL!, "operator");
  const { ctx, page: p } = await signIn(browser, baseURL!, u.name, u.password, js);
  await firstWorkload(p);
  const url = p.url();
  // Outside the policy's bounds, a pin needs the editor role: an operator is refused.
  await p.locator("#ov-kind").selectOption("pin");
  await p.locator("#ov-replicas").fill("999");
  await p.locator("#ov-confirm").check();
  await p.locator("#ov-reason").fill("refused on purpose");
  await p.getByRole("button", { name: "Apply override" }).click();
  await expect(p.getByText(/needs the editor role|needs editor|this needs editor|above|cap/i).first()).toBeVisible();
  expect(p.url().split("?")[0]).toBe(url.split("?")[0]);
  await expect(p.locator("#chart-title")).toBeVisible();
  await p.screenshot({ path: `screenshots/${info.project.name}-refused.png`, fullPage: true });
  await ctx.close();
});

// Browser tests against a running ebb (release build). The test command starts the server on a
// free port and passes its address in EBB_E2E_URL. Chromium comes from Debian: nothing is
// downloaded.
import { defineConfig, devices } from "@playwright/test";

const chromium = {
  executablePath: process.env.EBB_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: "list",
  globalSetup: "./global-setup.ts",
  use: {
    baseURL: process.env.EBB_E2E_URL || "http://127.0.0.1:3000",
    launchOptions: chromium,
    storageState: "storage-state.json",
    trace: "off",
  },
  projects: [
    {
      name: "hydrated",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, storageState: "storage-state.json" },
      testIgnore: /\.nojs\.spec\.ts$/,
    },
    {
      name: "ssr-no-js",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, storageState: "storage-state.json", javaScriptEnabled: false },
      testIgnore: /\.js\.spec\.ts$/,
    },
  ],
});

import { defineConfig, devices } from '@playwright/test';
import { BROWSER_PORTS } from './ports';

/**
 * Browser tests of the web page against a real stack (test/browser/stack-main.ts), in Debian's chromium: no browser
 * is downloaded (CHROMIUM_PATH, default /usr/bin/chromium). Run by .ci/suites/browser.sh.
 */
const baseURL = `http://127.0.0.1:${BROWSER_PORTS.api}`;

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: '../../test-results/browser',
  reporter: [['list'], ['json', { outputFile: '../../test-results/browser/results.json' }]],
  use: {
    baseURL,
    trace: 'off',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] } } }],
  webServer: {
    command: 'npx tsx test/browser/stack-main.ts',
    cwd: '../..',
    // Ready when the whole stack is (workers polling, codec server up, pid file written), not when the API first
    // answers: a short run that ended before that left parts running that the cleanup had no pids for.
    wait: { stdout: /\[browser\] stack ready/ },
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 40_000 },
  },
});

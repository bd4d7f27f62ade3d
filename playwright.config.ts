import { defineConfig } from '@playwright/test';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
];
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * End-to-end journeys in Debian's Chromium against the real server (started
 * in-process by each spec, see tests/support/clinic.ts). Never downloads a
 * browser: CHROMIUM_PATH or /usr/bin/chromium.
 */
export default defineConfig({
  testDir: 'tests',
  testMatch: '**/*.spec.ts',
  // Two spec files at a time (each starts its own clinic server on its own port and data directory): most
  // of a journey's time is waiting on sync and the network emulation, so two share the CI machine's two
  // cores well and the suite takes about half as long. The tests within a file still run in order.
  fullyParallel: false,
  workers: 2,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    // The browser's language decides the app's when no one has chosen: English, as the specs read it.
    locale: 'en-US',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: { executablePath, args: chromiumArgs }
  },
  projects: [
    { name: 'app', testIgnore: /video-visit\.spec\.ts$/ },
    {
      // Video visits need a camera and microphone: Chromium's fake devices (a test pattern and a beep), allowed without a prompt.
      name: 'video',
      testMatch: /video-visit\.spec\.ts$/,
      use: {
        launchOptions: { executablePath, args: [...chromiumArgs, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] }
      }
    }
  ]
});

import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';

const api = process.env.OUTPOST_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [
    // Messages (messages/<locale>.json) compile to one small function each, so a page carries only the texts it shows.
    // The locale is set at run time (src/lib/i18n/locale.svelte.ts): no locale in the URL, no cookie.
    // Under Vitest the plugin's watcher keeps the test server from exiting: the tests compile once instead (scripts/compile-messages.ts).
    ...(process.env.VITEST ? [] : [paraglideVitePlugin({ project: './project.inlang', outdir: './src/lib/paraglide', strategy: ['globalVariable', 'baseLocale'] })]),
    sveltekit(),
    SvelteKitPWA({
      registerType: 'prompt',
      // Absolute: the app registers its worker from deep links such as
      // /patients/<id>, where a relative 'sw.js' would miss.
      base: '/',
      buildBase: '/',
      scope: '/',
      injectRegister: false,
      manifest: {
        name: 'Outpost Clinic',
        short_name: 'Outpost',
        description: 'Offline-first clinic records and video visits',
        theme_color: '#0f5c4d',
        background_color: '#f6f7f5',
        display: 'standalone',
        start_url: '/',
        scope: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      kit: { adapterFallback: 'index.html', spa: true },
      workbox: {
        // tsv: the full ICD-10-CM code set (static/icd10cm), fetched after the
        // first screen and kept for offline search.
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest,woff2,tsv}'],
        // That file is about 6 MB raw (about 0.4 MB over the wire with
        // brotli); workbox's default limit (2 MiB) would leave it out.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api/, /^\/fhir/, /^\/sync/, /^\/healthz/, /^\/cds-services/],
        cleanupOutdatedCaches: true,
        // The first worker takes charge of the page that installed it, so a
        // clinician who loses the network right after signing in can still
        // open screens not loaded yet (served from the precache). Updates
        // still wait for the user's "Update now" (registerType 'prompt'
        // leaves skipWaiting off).
        clientsClaim: true
      },
      devOptions: { enabled: false }
    })
  ],
  server: {
    proxy: {
      '/api': api,
      '/fhir': api,
      '/healthz': api,
      '/cds-services': api,
      '/sync': { target: api.replace(/^http/, 'ws'), ws: true }
    }
  },
  test: {
    include: ['src/**/*.test.ts', 'server/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./scripts/compile-messages.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks'
  }
});

import { defineConfig } from 'vite';

/** The web page (storefront and operator console): built into web/dist, which the API serves at `/`. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  logLevel: 'warn',
});

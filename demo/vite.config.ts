// Vite's production build of the demo page (demo/build.ts runs it and adds the data files).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the built page works from any path, file server or sub-folder.
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URLs: the page's CSP (connect-src 'self') would refuse to fetch them.
    assetsInlineLimit: 0,
    // tfjs alone is ~1.5 MB minified; the warning says nothing useful here.
    chunkSizeWarningLimit: 4096,
  },
  server: {
    // The page imports simdnet from ../src and its .wasm from ../build.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
  },
});

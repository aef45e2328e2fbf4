// Builds the agent desk into agent-ui/dist, which the fastify server serves at `/`.
// `npm run build:ui` runs this from the repository root, so paths are resolved from this file.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// For `vite --config agent-ui/vite.config.ts` (dev server): forward the API and socket.io to a running
// hotline server (HOTLINE_HTTP_PORT defaults to 8480 in core/config.ts).
const backend =
  process.env.HOTLINE_UI_BACKEND ?? `http://127.0.0.1:${process.env.HOTLINE_HTTP_PORT ?? '8480'}`;

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: backend },
      '/socket.io': { target: backend, ws: true },
    },
  },
});

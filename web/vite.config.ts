import { defineConfig } from "vitest/config";

// The build is served by `vitrine serve` itself at `/` (index.html) and `/assets/...`: no CDN,
// one origin with the API, so the sign-in cookie that pictures use needs no CORS.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", assetsDir: "assets", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  test: { include: ["tests/unit/**/*.test.ts"], environment: "node" },
});

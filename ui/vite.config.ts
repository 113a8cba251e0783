import { defineConfig } from "vite";

// The build goes to dist/, which is committed and embedded in the Go binary
// (embed.go): `go build` needs no npm step. CI rebuilds it and fails when it
// differs from what is committed.
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
} as any);

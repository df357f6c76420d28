import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// macaw-ui's stylesheet declares ~40 web fonts (several MB); the app uses the system font stack instead, so the
// package stays small.
const dropWebFonts = {
  name: "drop-macaw-web-fonts",
  enforce: "pre",
  transform(code, id) {
    if (id.includes("@saleor/macaw-ui") && id.endsWith(".css")) {
      return { code: code.replace(/@font-face\s*{[^}]*}/g, ""), map: null };
    }
    return null;
  },
};

// The build lands inside the Python package, which ships it (operators need no Node).
export default defineConfig({
  plugins: [dropWebFonts, react()],
  base: "./",
  build: {
    outDir: "../saleor_aftersales_plugin/dashboard_app/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{js,jsx}"],
  },
});

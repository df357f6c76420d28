import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ThemeProvider } from "@saleor/macaw-ui";
import "@saleor/macaw-ui/style";
import "./styles.css";
import { App } from "./App";

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <ThemeProvider>
      <App />
    </ThemeProvider>
  </StrictMode>,
);

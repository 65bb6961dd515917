import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { Provider } from "urql";
import "./i18n";
import "./styles.css";
import { createApiClient, createWs } from "./api/client";
import { WsProvider } from "./live/useLiveActivity";
import { App } from "./App";

const ws = createWs();
const client = createApiClient(ws);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Provider value={client}>
      <WsProvider ws={ws}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </WsProvider>
    </Provider>
  </StrictMode>,
);

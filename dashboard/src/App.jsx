import { Suspense, lazy, useEffect, useMemo, useRef, useState } from "react";
import { Input } from "@saleor/macaw-ui";
import { actions } from "@saleor/app-sdk/app-bridge";
import { getBridge, loadChannels, setSandboxToken, currentToken, tokenFromUrl } from "./api";
import { appBase, appRoute, config, inSaleor } from "./config";
import { I18nContext, pickLanguage, translate } from "./i18n";
import { Box, Button, Notice, Text } from "./ui";
import { CasePage } from "./views/Case";
import { OrderStart, OrderWidget } from "./views/Order";
import { Queue } from "./views/Queue";
import { heightSender, useWidgetResize } from "./widgetResize";
import { requestLeave } from "./leaveGuard";

// The editor (CodeMirror, the query builder) and the charts load only when opened.
const PolicyEditor = lazy(() => import("./views/PolicyEditor"));
const Kpis = lazy(() => import("./views/Kpis"));

function useRoute() {
  const [route, setRoute] = useState(appRoute());
  const [leaving, setLeaving] = useState(null);
  useEffect(() => {
    const onPop = () => setRoute(appRoute());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const navigate = (next) => {
    requestLeave(() => {
      setLeaving(null);
      const url = new URL(window.location.href);
      url.pathname = appBase() + next;
      window.history.pushState(null, "", url.toString());
      setRoute(next);
    }, setLeaving);
  };
  return [route, navigate, leaving, () => setLeaving(null)];
}

function SignIn({ onSignedIn }) {
  const t = (key) => translate("en", key);
  const [token, setToken] = useState("");
  return (
    <Box as="form" display="flex" flexDirection="column" gap={3} padding={6} style={{ maxWidth: 640 }}
      onSubmit={(e) => { e.preventDefault(); setSandboxToken(token); onSignedIn(); }}>
      <Text as="h1" size={7} fontWeight="bold">{t("signInTitle")}</Text>
      <Text>{t("signInHelp")}</Text>
      <Input label={t("token")} value={token} onChange={(e) => setToken(e.target.value)} data-testid="token-input" />
      <Button type="submit">{t("signIn")}</Button>
    </Box>
  );
}

export function App() {
  const [route, navigate, leaving, stay] = useRoute();
  const [language, setLanguage] = useState(pickLanguage(navigator.language));
  const [ready, setReady] = useState(!inSaleor);
  const [signedIn, setSignedIn] = useState(() => { tokenFromUrl(); return inSaleor || !!currentToken(); });
  const [channels, setChannels] = useState([]);
  const [channel, setChannel] = useState(new URLSearchParams(window.location.search).get("channel") || "");
  const [error, setError] = useState("");
  const root = useRef(null);
  const sendHeight = useMemo(() => heightSender(inSaleor ? getBridge() : null), []);
  useWidgetResize(root, sendHeight, ready);
  const params = new URLSearchParams(window.location.search);
  const orderId = params.get("orderId") || params.get("order") || "";

  useEffect(() => {
    if (!inSaleor) return undefined;
    const bridge = getBridge();
    const update = () => {
      const state = bridge.getState();
      if (state.locale) setLanguage(pickLanguage(state.locale));
      if (state.ready && state.token) setReady(true);
    };
    update();
    const unsubscribe = [bridge.subscribe("handshake", update), bridge.subscribe("localeChanged", update), bridge.subscribe("tokenRefresh", update)];
    return () => unsubscribe.forEach((u) => u());
  }, []);

  useEffect(() => {
    if (!ready || !signedIn) return;
    loadChannels().then((list) => {
      setChannels(list);
      setChannel((current) => (current && list.includes(current) ? current : list[0] || ""));
    }).catch((e) => setError(e.message));
  }, [ready, signedIn]);

  const t = (key, p) => translate(language, key, p);
  const openCase = (caseChannel, id) => {
    if (inSaleor && (route === "order-widget" || route === "order-start")) {
      const to = `${window.location.origin}${appBase()}case/${encodeURIComponent(id)}?channel=${caseChannel}`;
      getBridge().dispatch(actions.Redirect({ to, newContext: true })).catch(() => {});
      return;
    }
    setChannel(caseChannel);
    navigate(`case/${id}`);
  };

  let body;
  if (!signedIn) body = <SignIn onSignedIn={() => setSignedIn(true)} />;
  else if (!ready) body = <Text>{t("waitingForDashboard")}</Text>;
  else if (error) body = <Notice kind="error">{error}</Notice>;
  else if (route === "order-widget") body = <OrderWidget orderId={orderId} channels={channels} openCase={openCase} />;
  else if (route === "order-start") body = <OrderStart orderId={orderId} channels={channels} openCase={openCase} />;
  else if (!channel) body = <Text>{t("loading")}</Text>;
  else if (route.startsWith("case/")) body = <CasePage channel={channel} caseId={decodeURIComponent(route.slice(5))} navigate={navigate} />;
  else if (route === "policy") body = <PolicyEditor channel={channel} />;
  else if (route === "kpis") body = <Kpis channel={channel} />;
  else body = <Queue channels={channels} channel={channel} setChannel={setChannel} navigate={navigate} />;

  const embeddedWidget = route === "order-widget" || route === "order-start";
  const nav = [["queue", t("navQueue")], ["policy", t("navPolicy")], ["kpis", t("navKpis")]];
  return (
    <I18nContext.Provider value={{ language, setLanguage }}>
      <div lang={language} className="app" ref={root}>
        {!embeddedWidget && signedIn && (
          <header className="app-header">
            <strong>{t("appTitle")}</strong>
            <nav aria-label={t("appTitle")}>
              {nav.map(([key, label]) => (
                <a key={key} href={key} aria-current={(route || "queue") === key ? "page" : undefined}
                  onClick={(e) => { e.preventDefault(); navigate(key); }}>{label}</a>
              ))}
            </nav>
            {channels.length > 1 && route !== "" && route !== "queue" && (
              <label>{t("channel")}{" "}
                <select value={channel} onChange={(e) => setChannel(e.target.value)}>
                  {channels.map((c) => <option key={c}>{c}</option>)}
                </select>
              </label>
            )}
            <label>{t("language")}{" "}
              <select value={language} onChange={(e) => setLanguage(e.target.value)}>
                <option value="en">English</option>
                <option value="zh-Hans">简体中文</option>
              </select>
            </label>
            {!inSaleor && <Button variant="tertiary" size="small" onClick={() => { setSandboxToken(""); setSignedIn(false); }}>{t("signOut")}</Button>}
          </header>
        )}
        {!inSaleor && config.notice && !embeddedWidget && <div className="sandbox-notice">{config.notice}</div>}
        {leaving && (
          <Box role="alertdialog" aria-label={t("leaveTitle")} className="leave-question" padding={4} display="flex" gap={3} alignItems="center">
            <Text>{leaving.question}</Text>
            <Button variant="secondary" onClick={leaving.leave}>{t("leaveAnyway")}</Button>
            <Button onClick={stay}>{t("stay")}</Button>
          </Box>
        )}
        <main className={embeddedWidget ? "widget" : "page"}>
          <Suspense fallback={<Text>{t("loading")}</Text>}>{body}</Suspense>
        </main>
      </div>
    </I18nContext.Provider>
  );
}

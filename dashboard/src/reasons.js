import { useEffect, useState } from "react";
import { gql } from "./api";
import { useLanguage } from "./i18n";

const REASONS = `query($language: String) { afterSalesReturnReasons(language: $language) { code label } }`;

/** The channel's return reasons with their labels in the reader's language, by code ({} until loaded). */
export function useReasonLabels(channel) {
  const language = useLanguage();
  const [labels, setLabels] = useState({});
  useEffect(() => {
    if (!channel) return;
    gql(channel, REASONS, { language })
      .then((d) => setLabels(Object.fromEntries(d.afterSalesReturnReasons.map((r) => [r.code, r.label]))))
      .catch(() => setLabels({}));
  }, [channel, language]);
  return labels;
}

/** A reason code as its label ("—" without a reason; the code itself when the catalogue has no such reason). */
export const reasonLabel = (labels, code) => (code ? labels[code] || code : "—");

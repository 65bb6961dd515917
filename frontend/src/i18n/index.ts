import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en";
import lv from "./lv";

export const LANGUAGES = ["lv", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "sadarbe.lang";

function initialLanguage(): Language {
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(STORAGE_KEY) : null;
  return stored === "en" ? "en" : "lv"; // Latvian first
}

void i18n.use(initReactI18next).init({
  resources: { lv: { translation: lv }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: "lv",
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

function syncHtmlLang(lng: string): void {
  document.documentElement.lang = lng;
}
syncHtmlLang(i18n.language);
i18n.on("languageChanged", (lng) => {
  syncHtmlLang(lng);
  localStorage.setItem(STORAGE_KEY, lng);
});

export const collator = (lng: string) => new Intl.Collator(lng === "en" ? "en" : "lv");
export default i18n;

import { describe, expect, it } from "vitest";
import { dictionaries, negotiateLocale, toErrorCode } from "./i18n";

describe("negotiateLocale", () => {
  it.each([
    ["zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"],
    ["zh-TW", "zh-CN"],
    ["zh", "zh-CN"],
    ["en-US,en;q=0.9", "en"],
    ["en-GB;q=0.8, zh-CN;q=0.9", "zh-CN"],
    ["fr-FR, en;q=0.5", "en"],
    ["de", "zh-CN"],
    ["zh-CN;q=0, en", "en"],
    ["", "zh-CN"],
    [null, "zh-CN"],
  ] as const)("%s -> %s", (header, locale) => {
    expect(negotiateLocale(header)).toBe(locale);
  });
});

describe("dictionaries", () => {
  it("have the same keys in both languages", () => {
    const keys = (o: object): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === "object" ? keys(v).map((s) => `${k}.${s}`) : [k]));
    expect(keys(dictionaries["zh-CN"]).sort()).toEqual(keys(dictionaries.en).sort());
  });

  it("map unknown error values to Default", () => {
    expect(toErrorCode("AccessDenied")).toBe("AccessDenied");
    expect(toErrorCode(["MissingCSRF", "x"])).toBe("MissingCSRF");
    expect(toErrorCode("<script>")).toBe("Default");
    expect(toErrorCode(undefined)).toBe("Default");
  });
});

import { describe, expect, it } from "vitest";
import { loadLegalText, parseLegalText } from "./legal";

describe("parseLegalText", () => {
  it("turns headings and blank-line paragraphs into blocks", () => {
    expect(parseLegalText("# Title\r\n\r\nFirst line\nsame paragraph\n\n## Part\nText")).toEqual([
      { kind: "h1", text: "Title" },
      { kind: "p", text: "First line\nsame paragraph" },
      { kind: "h2", text: "Part" },
      { kind: "p", text: "Text" },
    ]);
  });
});

describe("loadLegalText", () => {
  it("falls back to the built-in text when LEGAL_DIR is unset or empty", async () => {
    expect((await loadLegalText("privacy", "en", undefined)).source).toBe("builtin");
    expect((await loadLegalText("terms", "zh-CN", "/nonexistent")).source).toBe("builtin");
  });
});

import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "./redirect";

describe("safeRedirectPath", () => {
  it.each([
    ["/account", "/account"],
    ["https://app.example.com/account?x=1", "/account?x=1"],
    ["https://evil.example.net/account", "/account"],
    ["//evil.example.net", "/account"],
    ["/\\evil.example.net", "/account"],
    ["javascript:alert(1)", "/account"],
    [undefined, "/account"],
  ])("%s -> %s", (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });
});

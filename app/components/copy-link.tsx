"use client";

import { useEffect, useState } from "react";

/** This page's address and a button copying it, to paste into a WeChat chat and open it there. */
export function CopyLink({ label, copiedLabel }: { label: string; copiedLabel: string }) {
  const [href, setHref] = useState("");
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    setHref(window.location.href);
  }, []);
  return (
    <div className="copy-link">
      <input readOnly value={href} aria-label={label} data-testid="page-link" onFocus={(event) => event.currentTarget.select()} />
      <button
        type="button"
        className="button secondary"
        data-testid="copy-link"
        onClick={() => {
          void navigator.clipboard?.writeText(href).then(() => setCopied(true));
        }}
      >
        {copied ? copiedLabel : label}
      </button>
    </div>
  );
}

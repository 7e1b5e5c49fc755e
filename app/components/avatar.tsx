"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The WeChat avatar, or the nickname's first letter when there is none or it does not load (WeChat's
 * CDN refuses some networks and referrers, and old avatar URLs expire). The <img> stays in the page
 * with its src, hidden, so what was tried remains visible to tests and to anyone inspecting it.
 */
export function Avatar({ src, name, alt }: { src: string | null | undefined; name: string | null | undefined; alt: string }) {
  const [failed, setFailed] = useState(false);
  const image = useRef<HTMLImageElement>(null);
  // An image that failed before React hydrated fired its error event to nobody: check on mount.
  useEffect(() => {
    const current = image.current;
    if (current?.complete && current.naturalWidth === 0) setFailed(true);
  }, []);
  const initial = (name || "?").slice(0, 1);
  const fallback = (
    <span className="avatar empty" role="img" aria-label={alt} data-testid={src ? "account-avatar-fallback" : "account-avatar"} data-empty="true">
      {initial}
    </span>
  );
  if (!src) return fallback;
  return (
    <>
      {/* A plain <img>: WeChat avatars are on WeChat's CDN, which refuses other referrers. */}
      <img
        ref={image}
        className="avatar"
        src={src}
        alt={alt}
        width={96}
        height={96}
        referrerPolicy="no-referrer"
        data-testid="account-avatar"
        data-failed={failed ? "true" : undefined}
        hidden={failed}
        onError={() => setFailed(true)}
      />
      {failed ? fallback : null}
    </>
  );
}

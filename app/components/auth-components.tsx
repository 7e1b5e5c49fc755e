import { signOutEverywhere, startSignIn } from "@/lib/session-actions";

type SignInProps = { label: string; redirectTo: string; testId?: string; primary?: boolean };

/**
 * Straight to WeChat through Logto (direct_sign_in=social:wechat): the QR page, or inside WeChat's
 * browser the Official Account's authorization (the stack's connector chooses by user agent).
 */
export function SignInWithWeChat({ label, redirectTo, testId = "signin-wechat", primary = true }: SignInProps) {
  return (
    <form
      action={async () => {
        "use server";
        await startSignIn({ wechat: true, redirectTo });
      }}
    >
      <button type="submit" className={primary ? "button primary wechat" : "button secondary wechat"} data-testid={testId}>
        {label}
      </button>
    </form>
  );
}

/** Logto's own sign-in page, with whatever methods the operator enabled there. */
export function SignInOther({ label, redirectTo, testId = "signin-other", primary = false }: SignInProps) {
  return (
    <form
      action={async () => {
        "use server";
        await startSignIn({ wechat: false, redirectTo });
      }}
    >
      <button type="submit" className={primary ? "button primary" : "button secondary"} data-testid={testId}>
        {label}
      </button>
    </form>
  );
}

/** Ends the app session and the Logto session. */
export function SignOut({ label }: { label: string }) {
  return (
    <form
      action={async () => {
        "use server";
        await signOutEverywhere();
      }}
    >
      <button type="submit" className="button secondary" data-testid="signout">
        {label}
      </button>
    </form>
  );
}

import type { ReactNode } from "react";
import { SignInOther, SignInWithWeChat, SignOut } from "@/components/auth-components";
import { Avatar } from "@/components/avatar";
import { CopyLink } from "@/components/copy-link";
import type { DeviceKind } from "@/lib/device";
import { formatDateTime, type Dictionary, type ErrorCode, type Locale } from "@/lib/i18n";
import type { LegalBlock } from "@/lib/legal";

/**
 * Sign-in choices: WeChat first when configured, Logto's own page for the rest. On a phone outside
 * WeChat the QR code could not be scanned: say so, offer opening the page in WeChat and the other
 * methods first, the QR code last (for a second device).
 */
function SignInChoices({
  t,
  wechatEnabled,
  redirectTo,
  device,
}: {
  t: Dictionary;
  wechatEnabled: boolean;
  redirectTo: string;
  device: DeviceKind;
}) {
  if (wechatEnabled && device === "phone") {
    return (
      <div className="actions">
        <div className="notice phone" data-testid="phone-guidance">
          <strong>{t.phone.title}</strong>
          <p>{t.phone.body}</p>
          <p>{t.phone.openInWeChat}:</p>
          <CopyLink label={t.phone.copyLink} copiedLabel={t.phone.copied} />
        </div>
        <SignInOther label={t.signInOther} redirectTo={redirectTo} primary />
        <SignInWithWeChat label={t.phone.qrAnyway} redirectTo={redirectTo} primary={false} />
      </div>
    );
  }
  return (
    <div className="actions">
      {wechatEnabled ? <SignInWithWeChat label={t.signInWeChat} redirectTo={redirectTo} /> : null}
      <SignInOther label={wechatEnabled ? t.signInOther : t.signIn} redirectTo={redirectTo} primary={!wechatEnabled} />
    </div>
  );
}

export function HomeView(props: {
  t: Dictionary;
  wechatEnabled: boolean;
  user?: { name: string } | undefined;
  redirectTo: string;
  notice?: string | undefined;
  /** From the request's User-Agent (lib/device.ts). */
  device: DeviceKind;
}) {
  const { t, user } = props;
  return (
    <section className="card">
      <h1>{t.siteName}</h1>
      <p>{t.intro}</p>
      {props.notice ? (
        <p className="notice" data-testid="signin-notice">
          {props.notice}
        </p>
      ) : null}
      {user ? (
        <div className="actions">
          <p data-testid="signed-in-as">{t.signedInAs(user.name)}</p>
          <a className="button primary" href="/account" data-testid="go-account">
            {t.goToAccount}
          </a>
          <SignOut label={t.signOut} />
        </div>
      ) : (
        <SignInChoices t={t} wechatEnabled={props.wechatEnabled} redirectTo={props.redirectTo} device={props.device} />
      )}
    </section>
  );
}

export function AccountView(props: {
  t: Dictionary;
  locale: Locale;
  user: { id: string; name?: string | null | undefined; image?: string | null | undefined };
  expires: string;
}) {
  const { t, user } = props;
  return (
    <section className="card">
      <h1>{t.account.title}</h1>
      <div className="profile">
        <Avatar src={user.image} name={user.name} alt={t.account.avatar} />
        <dl>
          <dt>{t.account.nickname}</dt>
          <dd data-testid="account-nickname">{user.name || t.account.noNickname}</dd>
          <dt>{t.account.userId}</dt>
          <dd>
            <code data-testid="account-user-id">{user.id}</code>
          </dd>
          <dt>{t.account.expires}</dt>
          <dd>
            <time dateTime={props.expires} data-testid="account-expires">
              {formatDateTime(props.expires, props.locale)}
            </time>
          </dd>
        </dl>
      </div>
      <div className="actions">
        <SignOut label={t.signOut} />
      </div>
    </section>
  );
}

export function ErrorView(props: {
  t: Dictionary;
  code: ErrorCode;
  rawCode?: string | undefined;
  operatorProblems: string[];
  wechatEnabled: boolean;
}) {
  const { t, code } = props;
  return (
    <section className="card error" data-error-code={code}>
      <h1>{t.error.title}</h1>
      <p data-testid="error-message">{t.error.messages[code]}</p>
      {props.rawCode ? (
        <p className="muted">
          {t.error.code}: <code data-testid="error-code">{props.rawCode}</code>
        </p>
      ) : null}
      {props.operatorProblems.length ? (
        <div className="operator" data-testid="error-operator-hint">
          <strong>{t.error.operatorHint}:</strong>
          <ul>
            {props.operatorProblems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="actions">
        {props.wechatEnabled ? (
          <SignInWithWeChat label={t.error.retry} redirectTo="/account" testId="retry" />
        ) : (
          <SignInOther label={t.error.retry} redirectTo="/account" testId="retry" primary />
        )}
        <a className="button secondary" href="/" data-testid="error-home">
          {t.error.home}
        </a>
      </div>
    </section>
  );
}

export function LegalView({ blocks, doc }: { blocks: LegalBlock[]; doc: string }) {
  return (
    <article className="card legal" data-testid={`legal-${doc}`}>
      {blocks.map((block, index) => {
        const key = `${index}`;
        if (block.kind === "h1") return <h1 key={key}>{block.text}</h1>;
        if (block.kind === "h2") return <h2 key={key}>{block.text}</h2>;
        return <p key={key}>{block.text}</p>;
      })}
    </article>
  );
}

function Footer({ t, icpLicense }: { t: Dictionary; icpLicense?: string | undefined }) {
  return (
    <footer className="footer">
      <a href="/privacy" data-testid="footer-privacy">
        {t.footer.privacy}
      </a>
      <a href="/terms" data-testid="footer-terms">
        {t.footer.terms}
      </a>
      {icpLicense ? (
        <a href="https://beian.miit.gov.cn/" target="_blank" rel="noreferrer" data-testid="icp-license">
          {icpLicense}
        </a>
      ) : null}
    </footer>
  );
}

export function Frame({ t, icpLicense, children }: { t: Dictionary; icpLicense?: string | undefined; children: ReactNode }) {
  return (
    <>
      <header className="header">
        <a href="/" className="brand">
          {t.siteName}
        </a>
      </header>
      <main className="main">{children}</main>
      <Footer t={t} icpLicense={icpLicense} />
    </>
  );
}

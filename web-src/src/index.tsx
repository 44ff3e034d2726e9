/**
 * Bootstrap. Inside the Experience Cloud shell (an iframe), the shell's module
 * runtime (@adobe/exc-app, loaded only there) hands over the user's IMS token
 * and org; anywhere else this is `npm start`'s local runtime, whose
 * /_local/console-session stands in for the shell.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import type { Session } from './api';
import { App } from './App';

const root = createRoot(document.getElementById('root') as HTMLElement);
const render = (session: Session, local: boolean) => root.render(<App session={session} local={local} />);
const fail = (message: string) => root.render(<p role="alert">The console could not start: {message}</p>);

/**
 * The shell names its module runtime script in the `_mr` query parameter; it is
 * loaded only from Adobe's Experience Cloud hosts over HTTPS.
 */
function loadShellRuntime(): void {
  const mr = new URL(window.location.href).searchParams.get('_mr');
  if (!mr) throw new Error('the Experience Cloud shell gave no module runtime (_mr)');
  const src = new URL(decodeURIComponent(mr));
  if (src.protocol !== 'https:' || !/^(exc-unifiedcontent\.)?experience(-qa|-stage|-cdn|-cdn-stage)?\.adobe\.(com|net)$/.test(src.hostname) || !src.pathname.endsWith('.js')) {
    throw new Error(`refusing a module runtime from ${src.origin}`);
  }
  const script = document.createElement('script');
  script.async = true;
  script.src = src.toString();
  script.onload = () => (window as unknown as { EXC_MR_READY?: () => void }).EXC_MR_READY?.();
  document.head.appendChild(script);
}

async function inShell(): Promise<void> {
  const [{ init }, { default: user }, { default: page }] = await Promise.all([import('@adobe/exc-app'), import('@adobe/exc-app/user'), import('@adobe/exc-app/page')]);
  init(() => {
    page.title = 'Marketo stream relay';
    void Promise.all([user.get('imsToken'), user.get('imsOrg'), user.get('imsProfile')]).then(([token, org, profile]) => {
      const p = profile as { name?: string; userId?: string } | undefined;
      render({ token, org, user: p?.name ?? p?.userId }, false);
      void page.done();
    });
  });
  loadShellRuntime();
}

async function local(): Promise<void> {
  const res = await fetch('/_local/console-session');
  if (!res.ok) throw new Error(`no shell and no local session (HTTP ${res.status}): open the console inside Adobe Experience Cloud, or through npm start`);
  render((await res.json()) as Session, true);
}

(window.self !== window.top ? inShell() : local()).catch((e: Error) => fail(e.message));

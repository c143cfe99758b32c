/**
 * The page: a storefront (#/shop) and an operator console (#/console), switched by the hash; a sign-in at the top,
 * at the OpenID provider (oidc.ts) and, on a developer's machine, the local form.
 */
import './style.css';
import { api } from './api';
import { mountConsole } from './console';
import { h } from './dom';
import { currentSession, onSessionChange, sessionFromToken, setSession, type Role, type Session } from './session';
import { beginSignIn, completeSignIn, signOutAtProvider, type OidcOptions, type ProviderTokens } from './oidc';
import { describe, mountShop } from './shop';

const main = document.getElementById('main')!;
const sessionBox = document.getElementById('session')!;
let unmount: () => void = () => undefined;

function route(): void {
  unmount();
  main.replaceChildren();
  const face = location.hash.startsWith('#/console') ? 'console' : 'shop';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.dataset.face === face) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = face === 'console' ? 'Operator console · Flash sale' : 'Storefront · Flash sale';
  unmount = face === 'console' ? mountConsole(main) : mountShop(main);
}

const ROLE_CHOICES: Array<{ value: string; label: string; roles: Role[] }> = [
  { value: 'customer', label: 'Buyer', roles: ['customer'] },
  { value: 'staff', label: 'Staff (operator + admin)', roles: ['operator', 'admin'] },
  { value: 'operator', label: 'Operator', roles: ['operator'] },
  { value: 'admin', label: 'Admin', roles: ['admin'] },
];

/** What GET /auth/config says: the OpenID provider to sign in at (or none), and whether the local form is on. */
interface SignInOptions {
  localSignIn: boolean;
  oidc: OidcOptions | null;
}

let signInOptions: SignInOptions = { localSignIn: false, oidc: null };
const signInError = h('span', { role: 'alert', class: 'error' });

/** Signed in at the provider: the API says who the token is and which of our roles it carries (AUTH_ROLES_CLAIM). */
async function sessionFromProvider(tokens: ProviderTokens): Promise<Session> {
  const me = await fetch('/auth/me', { headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' } });
  const body = (await me.json()) as { sub?: string; roles?: Role[]; detail?: string };
  if (!me.ok || !body.sub) throw new Error(`the API did not accept the provider's token: ${body.detail ?? me.status}`);
  return { token: tokens.accessToken, idToken: tokens.idToken, sub: body.sub, roles: body.roles ?? [] };
}

/** Forgets the tokens; a provider's session is ended at the provider too, which then sends the browser back here. */
async function signOut(): Promise<void> {
  const session = currentSession();
  if (session?.idToken && signInOptions.oidc) {
    // No sign-in button meanwhile: a click before the provider has ended its session would sign the same person in.
    sessionBox.replaceChildren(h('span', { role: 'status' }, 'Signing out…'));
    try {
      if (await signOutAtProvider(signInOptions.oidc, session.idToken)) return;
    } catch (failure) {
      signInError.textContent = describe(failure);
    }
  }
  setSession(null);
}

function localSignInForm(): HTMLFormElement {
  const name = h('input', { id: 'signin-name', name: 'sub', required: true, autocomplete: 'username', value: `cus-${Math.random().toString(36).slice(2, 8)}`, size: 12 });
  const role = h('select', { id: 'signin-role', name: 'role' }, ...ROLE_CHOICES.map((choice) => h('option', { value: choice.value }, choice.label)));
  const token = h('input', { id: 'signin-token', name: 'token', placeholder: 'or paste a token', size: 14 });
  return h(
    'form',
    {
      class: 'signin',
      'aria-label': 'Local sign-in',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          if (token.value.trim()) {
            setSession(sessionFromToken(token.value.trim()));
            return;
          }
          const roles = ROLE_CHOICES.find((choice) => choice.value === role.value)!.roles;
          setSession(await api<Session>('POST', '/auth/local-sign-in', { sub: name.value.trim(), roles }));
        } catch (failure) {
          signInError.textContent = describe(failure);
        }
      },
    },
    h('label', { for: 'signin-name' }, 'Name'),
    name,
    h('label', { for: 'signin-role' }, 'as'),
    role,
    h('label', { for: 'signin-token', class: 'visually-hidden' }, 'Bearer token'),
    token,
    h('button', { type: 'submit' }, 'Sign in'),
  );
}

function renderSession(): void {
  const session = currentSession();
  if (session) {
    sessionBox.replaceChildren(
      h('span', { 'data-testid': 'signed-in-as' }, `Signed in as ${session.sub} (${session.roles.join(', ')})`),
      h('button', { type: 'button', class: 'secondary', onclick: () => void signOut() }, 'Sign out'),
      signInError,
    );
    return;
  }
  const { oidc, localSignIn } = signInOptions;
  sessionBox.replaceChildren(
    ...(oidc
      ? [h('button', { type: 'button', onclick: () => beginSignIn(oidc).catch((failure: unknown) => (signInError.textContent = describe(failure))) }, 'Sign in with your account')]
      : []),
    ...(localSignIn ? [localSignInForm()] : []),
    ...(!oidc && !localSignIn ? [h('span', { class: 'muted' }, 'No sign-in is configured (OIDC_ISSUER).')] : []),
    signInError,
  );
}

/** Loads the sign-in options, and finishes a sign-in the provider has just sent the browser back from. */
async function start(): Promise<void> {
  try {
    signInOptions = await api<SignInOptions>('GET', '/auth/config');
    const tokens = signInOptions.oidc ? await completeSignIn(signInOptions.oidc) : null;
    if (tokens) {
      setSession(await sessionFromProvider(tokens));
      return;
    }
  } catch (failure) {
    signInError.textContent = describe(failure);
  }
  renderSession();
  route();
}

onSessionChange(() => {
  renderSession();
  route();
});
window.addEventListener('hashchange', route);
void start();

/** The page: a storefront (#/shop) and an operator console (#/console), switched by the hash; a sign-in at the top. */
import './style.css';
import { api } from './api';
import { mountConsole } from './console';
import { h } from './dom';
import { currentSession, onSessionChange, sessionFromToken, setSession, type Role, type Session } from './session';
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

function renderSession(): void {
  const session = currentSession();
  if (session) {
    sessionBox.replaceChildren(
      h('span', { 'data-testid': 'signed-in-as' }, `Signed in as ${session.sub} (${session.roles.join(', ')})`),
      h('button', { type: 'button', class: 'secondary', onclick: () => setSession(null) }, 'Sign out'),
    );
    return;
  }
  const error = h('span', { role: 'alert', class: 'error' });
  const name = h('input', { id: 'signin-name', name: 'sub', required: true, autocomplete: 'username', value: `cus-${Math.random().toString(36).slice(2, 8)}`, size: 12 });
  const role = h('select', { id: 'signin-role', name: 'role' }, ...ROLE_CHOICES.map((choice) => h('option', { value: choice.value }, choice.label)));
  const token = h('input', { id: 'signin-token', name: 'token', placeholder: 'or paste a token', size: 14 });
  const form = h(
    'form',
    {
      class: 'signin',
      'aria-label': 'Sign in',
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
          error.textContent = describe(failure);
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
    error,
  );
  sessionBox.replaceChildren(form);
}

onSessionChange(() => {
  renderSession();
  route();
});
window.addEventListener('hashchange', route);
renderSession();
route();

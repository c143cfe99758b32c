import { timingSafeEqual } from 'node:crypto';
import type { Role } from '../api/auth/roles';

/** A person who can sign in at the local provider: `sub` becomes their customer id (buyers) or staff name. */
export interface DemoAccount {
  username: string;
  sub: string;
  name: string;
  email: string;
  roles: Role[];
}

/**
 * The local provider's people, for a developer's machine and the tests: two buyers and three staff, all with the
 * password DEMO_PASSWORD (docs/SECURITY.md lists them). A real shop's people live at its own identity provider.
 */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'alice', sub: 'cus-alice', name: 'Alice Buyer', email: 'alice@example.com', roles: ['customer'] },
  { username: 'bob', sub: 'cus-bob', name: 'Bob Buyer', email: 'bob@example.com', roles: ['customer'] },
  { username: 'olivia', sub: 'staff-olivia', name: 'Olivia Operator', email: 'olivia@example.com', roles: ['operator'] },
  { username: 'adam', sub: 'staff-adam', name: 'Adam Admin', email: 'adam@example.com', roles: ['admin'] },
  { username: 'sam', sub: 'staff-sam', name: 'Sam Staff', email: 'sam@example.com', roles: ['operator', 'admin'] },
];

export const DEMO_PASSWORD = 'demo-password';

export const accountBySub = (sub: string): DemoAccount | undefined => DEMO_ACCOUNTS.find((account) => account.sub === sub);

/** The account a username and password sign in as, or undefined (the same answer for an unknown name and a wrong password). */
export function authenticate(username: string, password: string): DemoAccount | undefined {
  const account = DEMO_ACCOUNTS.find((candidate) => candidate.username === username.trim().toLowerCase());
  const given = Buffer.from(password);
  const expected = Buffer.from(DEMO_PASSWORD);
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  return matches ? account : undefined;
}

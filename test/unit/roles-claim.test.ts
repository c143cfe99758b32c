/** AUTH_ROLES_CLAIM: where the API finds a token's roles, for providers that put them elsewhere than `roles`. */
import { claimAt } from '../../api/auth/verify';

test('a claim of that exact name wins, dots and all (Auth0 namespaced claims)', () => {
  expect(claimAt({ 'https://shop.example/roles': ['admin'] }, 'https://shop.example/roles')).toEqual(['admin']);
  expect(claimAt({ 'realm_access.roles': ['operator'], realm_access: { roles: ['customer'] } }, 'realm_access.roles')).toEqual(['operator']);
});

test('otherwise a dotted path walks nested claims (Keycloak realm roles)', () => {
  expect(claimAt({ realm_access: { roles: ['operator', 'offline_access'] } }, 'realm_access.roles')).toEqual(['operator', 'offline_access']);
  expect(claimAt({ resource_access: { 'order-saga-api': { roles: ['admin'] } } }, 'resource_access.order-saga-api.roles')).toEqual(['admin']);
});

test('a missing claim or a path through a non-object is no roles, not an error', () => {
  expect(claimAt({ sub: 'x' }, 'roles')).toBeUndefined();
  expect(claimAt({ realm_access: 'text' }, 'realm_access.roles')).toBeUndefined();
  expect(claimAt({ realm_access: {} }, 'realm_access.constructor')).toBeUndefined();
});

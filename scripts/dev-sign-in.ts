/**
 * How `npm start` lets people sign in on a developer's machine: the local form (AUTH_LOCAL_SIGN_IN) is on unless the
 * environment says otherwise, an explicit AUTH_LOCAL_SIGN_IN=false included. compose.yaml and deploy/k8s never set it.
 */
export function applyDevSignIn(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.AUTH_LOCAL_SIGN_IN !== undefined && env.AUTH_LOCAL_SIGN_IN !== '') return [];
  env.AUTH_LOCAL_SIGN_IN = 'true';
  return ['AUTH_LOCAL_SIGN_IN=true'];
}

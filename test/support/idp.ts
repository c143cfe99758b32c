/**
 * The local OpenID provider (idp/main.ts) as its own process, as `npm start` runs it, and a sign-in through it the
 * way a browser does it (authorization code with PKCE, its login form, the token endpoint), for tests that need
 * real provider tokens without a browser. oidc-provider is an ES module, which jest's module system cannot load
 * in-process: a process of its own is also how every deployment runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../../chaos/supervisor';

const ROOT = path.resolve(__dirname, '..', '..');
const REDIRECT_URI = 'http://127.0.0.1:3999/';

export interface RunningIdp {
  issuer: string;
  clientId: string;
  redirectUri: string;
  audience: string;
  stop(): Promise<void>;
}

export async function startIdp({ audience = 'order-saga-api', rolesClaim }: { audience?: string; rolesClaim?: string } = {}): Promise<RunningIdp> {
  // The port is free when probed, not necessarily when the provider binds it (another process may take it between):
  // a provider that could not bind is started again on another port.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const started = await spawnIdp(port, audience, rolesClaim);
    if ('child' in started) return running(started.child, `http://127.0.0.1:${port}`, audience);
    if (!started.portTaken || attempt === 3) throw new Error(`the identity provider did not start: ${started.reason}`);
  }
}

type Spawned = { child: ChildProcess } | { reason: string; portTaken: boolean };

async function spawnIdp(port: number, audience: string, rolesClaim: string | undefined): Promise<Spawned> {
  const issuer = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'idp/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, IDP_PORT: String(port), IDP_ISSUER: issuer, IDP_REDIRECT_URIS: REDIRECT_URI, AUTH_AUDIENCE: audience, ...(rolesClaim ? { AUTH_ROLES_CLAIM: rolesClaim } : {}), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close' comes after the last of stderr: what the process said before it exited is all there.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await closed;
      return { reason: `exited (${child.exitCode ?? child.signalCode}): ${stderr}`, portTaken: stderr.includes('EADDRINUSE') };
    }
    const up = await fetch(`${issuer}/healthz`).then((answer) => answer.ok, () => false);
    if (up) return { child };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await closed;
      return { reason: `no answer within 30 s: ${stderr}`, portTaken: false };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function running(child: ChildProcess, issuer: string, audience: string): RunningIdp {
  return {
    issuer,
    clientId: 'order-saga-web',
    redirectUri: REDIRECT_URI,
    audience,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** Signs `username` in at the provider (its login form, then the code exchange with PKCE); the token endpoint's answer. */
export async function signInAtIdp(idp: RunningIdp, username: string, password: string): Promise<{ access_token: string; id_token: string }> {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const answer = await fetch(new URL(url, idp.issuer), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    for (const line of answer.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return answer;
  };
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const authorize = new URL('/auth', idp.issuer);
  authorize.search = new URLSearchParams({
    client_id: idp.clientId,
    redirect_uri: idp.redirectUri,
    response_type: 'code',
    scope: 'openid email',
    state,
    nonce: base64url(randomBytes(16)),
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  let answer = await send(authorize.href);
  const loginPage = answer.headers.get('location')!;
  answer = await send(loginPage);
  if (answer.status !== 200) throw new Error(`the login page answered ${answer.status}`);
  answer = await send(`${loginPage}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password }).toString() });
  if (answer.status !== 303) throw new Error(`signing in as ${username} answered ${answer.status}`);
  // Back to the authorization endpoint, which sends the browser to the page with the code.
  let location = answer.headers.get('location')!;
  while (!location.startsWith(idp.redirectUri)) {
    answer = await send(location);
    location = answer.headers.get('location') ?? '';
    if (!location) throw new Error(`the provider stopped at ${answer.status}: ${await answer.text()}`);
  }
  const back = new URL(location);
  if (back.searchParams.get('state') !== state) throw new Error('the provider sent back another state');
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.search}`);
  const token = await fetch(new URL('/token', idp.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: idp.redirectUri, client_id: idp.clientId, code_verifier: verifier }).toString(),
  });
  if (!token.ok) throw new Error(`the token endpoint answered ${token.status}: ${await token.text()}`);
  return (await token.json()) as { access_token: string; id_token: string };
}

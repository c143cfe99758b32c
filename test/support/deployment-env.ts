/**
 * The environment the shipped deployment files give a service: compose.yaml (with compose's own `${NAME:-default}` /
 * `${NAME:?message}` interpolation) and deploy/k8s (a Deployment's envFrom ConfigMaps and Secrets, then its env), read
 * from the files themselves so a test pins what is shipped, not a copy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

type Env = Record<string, string>;

/** Compose's interpolation: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `$$` for a dollar. */
export function interpolate(text: string, env: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^}])*))?\}/g, (whole, name: string | undefined, colon: string, kind: string, word: string) => {
    if (whole === '$$') return '$';
    const value = env[name!];
    const missing = value === undefined || (colon === ':' && value === '');
    if (!missing) return value!;
    if (kind === '?') throw new Error(`compose would refuse to start: ${name} ${word}`);
    return kind === '-' ? word : '';
  });
}

/** compose.yaml parsed, every file given merged the way compose merges them (later files win, ports concatenate). */
export function composeFile(...files: string[]): { services: Record<string, Record<string, unknown>> } {
  const [first, ...overrides] = (files.length > 0 ? files : ['compose.yaml']).map((file) => parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true }));
  for (const override of overrides) {
    for (const [name, service] of Object.entries(override.services ?? {}) as Array<[string, Record<string, unknown>]>) {
      const base = (first.services[name] ??= {});
      for (const [key, value] of Object.entries(service)) {
        base[key] = key === 'ports' ? [...((base.ports as unknown[]) ?? []), ...(value as unknown[])] : value;
      }
    }
  }
  return first;
}

/** The environment compose gives `service`, interpolated with `hostEnv` (what the operator exported). */
export function composeServiceEnv(service: string, hostEnv: Env): Env {
  const environment = (composeFile().services[service]?.environment ?? {}) as Record<string, string | number | null>;
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(String(value ?? ''), hostEnv)]));
}

/** Every document of every deploy/k8s/*.yaml file. */
export function k8sDocuments(): Array<Record<string, any>> {
  const dir = path.join(ROOT, 'deploy', 'k8s');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc) => doc.toJS() as Record<string, any>))
    .filter(Boolean);
}

/** The environment the first container of Deployment `name` gets: its envFrom sources, then its own env. */
export function k8sDeploymentEnv(name: string): Env {
  const documents = k8sDocuments();
  const find = (kind: string, of: string) => documents.find((doc) => doc.kind === kind && doc.metadata?.name === of);
  const container = find('Deployment', name)?.spec.template.spec.containers[0];
  if (!container) throw new Error(`no Deployment ${name} in deploy/k8s`);
  const env: Env = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find('ConfigMap', source.configMapRef.name)?.data);
    if (source.secretRef) {
      const secret = find('Secret', source.secretRef.name);
      Object.assign(env, secret?.stringData, Object.fromEntries(Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64').toString()])));
    }
  }
  for (const variable of container.env ?? []) if (variable.value !== undefined) env[variable.name] = String(variable.value);
  return env;
}

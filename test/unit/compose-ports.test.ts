/**
 * What compose publishes on the host: the API on every interface, and Temporal's frontend (7233) and Web UI (8233),
 * which have no TLS, API key or login in compose, on 127.0.0.1 only (whoever reaches the frontend can terminate or
 * reset any order's workflow). Read from compose.yaml alone (a machine with a registry) and merged with
 * compose.offline.yaml (containers/compose.sh, this machine and CI), the way compose merges them.
 */
import { composeFile } from '../support/deployment-env';

/** Compose's short port syntax: [host_ip:][host_port:]container_port[/protocol]. */
function published(port: unknown): { hostIp: string | undefined; hostPort: string } {
  const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
  if (parts.length === 3) return { hostIp: parts[0], hostPort: parts[1] };
  return { hostIp: undefined, hostPort: parts[0] };
}

describe.each([
  ['compose.yaml', ['compose.yaml']],
  ['compose.yaml + compose.offline.yaml', ['compose.yaml', 'compose.offline.yaml']],
])('%s', (_name, files) => {
  const { services } = composeFile(...files);
  const defaultServices = Object.entries(services).filter(([, service]) => service.profiles === undefined);
  const portsOf = (name: string) => ((services[name]?.ports as unknown[]) ?? []).map(published);

  test("Temporal's frontend 7233 and Web UI 8233 are published on 127.0.0.1 only", () => {
    const temporalPorts = ['temporal', 'temporal-ui'].flatMap(portsOf);
    expect(temporalPorts.map((port) => port.hostPort).sort()).toEqual(expect.arrayContaining(['7233', '8233']));
    for (const port of temporalPorts) expect(port).toEqual({ hostIp: '127.0.0.1', hostPort: port.hostPort });
  });

  test('of the services that run by default, only the API is published beyond loopback', () => {
    const open = defaultServices.flatMap(([name]) => portsOf(name).filter((port) => port.hostIp !== '127.0.0.1').map((port) => `${name}:${port.hostPort}`));
    expect(open).toEqual(['api:3000']);
  });
});

/**
 * CPU accounting for the container stack: CPU seconds used so far by each running container of a compose project (its
 * cgroup's counter: every process in the container, the same figure `docker stats` samples), Docker's own processes
 * on the host (the daemon, containerd's shims, and docker-proxy, which carries every connection to a published port
 * such as localhost:3000 and localhost:7233), the host processes named (the no-op's worker), this process and the
 * whole machine. Subtract two snapshots with cpuDelta (bench/lib.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { allProcesses, benchAndMachineCpu, commandCpuSeconds, processTreeSeconds } from './lib';

/** cgroup v1 (cpuacct, nanoseconds) or v2 (cpu.stat usage_usec), for the cgroupfs and systemd drivers. */
function containerCpuSeconds(id: string): number | undefined {
  const v1 = [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`];
  for (const file of v1) if (existsSync(file)) return Number(readFileSync(file, 'utf8')) / 1e9;
  const v2 = [`/sys/fs/cgroup/docker/${id}/cpu.stat`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`];
  for (const file of v2) {
    if (!existsSync(file)) continue;
    const usage = /^usage_usec (\d+)$/m.exec(readFileSync(file, 'utf8'));
    if (usage) return Number(usage[1]) / 1e6;
  }
  return undefined;
}

/** `worker_2`, `api`, … (compose 1.29 names containers <project>_<service>_<n>; the number is dropped when it is 1 of 1). */
function runningContainers(project: string): Array<{ id: string; name: string }> {
  const lines = execFileSync('docker', ['ps', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.ID}} {{.Label "com.docker.compose.service"}} {{.Label "com.docker.compose.container-number"}}'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  const services = lines.map(([, service]) => service);
  return lines.map(([id, service, number]) => ({ id, name: services.filter((one) => one === service).length > 1 || service === 'worker' ? `${service}_${number}` : service }));
}

/** `hostProcesses`: process trees on the host to count too, by row name (the no-op baseline's worker). */
export function containerCpuSnapshot(project = 'order-saga', hostProcesses: Record<string, number> = {}): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const { id, name } of runningContainers(project)) {
    const seconds = containerCpuSeconds(id);
    if (seconds !== undefined) snapshot[`container ${name}`] = seconds;
  }
  const processes = allProcesses();
  const treeSeconds = processTreeSeconds(processes);
  for (const [name, pid] of Object.entries(hostProcesses)) snapshot[name] = treeSeconds(pid);
  snapshot['docker-proxy (published ports)'] = commandCpuSeconds(processes, 'docker-proxy');
  snapshot['dockerd, containerd and shims'] = commandCpuSeconds(processes, 'dockerd', 'containerd', 'containerd-shim', 'containerd-shim-runc-v2');
  return { ...snapshot, ...benchAndMachineCpu() };
}

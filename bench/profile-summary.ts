/**
 * `tsx bench/profile-summary.ts <file.cpuprofile | folder> [top]`: where a process spent its CPU, from the
 * .cpuprofile files `BENCH_CPU_PROF=api,worker` makes the benchmark stack write (folder: the largest profile in it).
 * Prints self time by package (node_modules/<pkg>, node internals, our folders) and the top functions by self time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  /** Busy time sampled (idle left out). */
  sampledMs: number;
  idleMs: number;
  byPackage: Array<{ name: string; ms: number; share: number }>;
  topFunctions: Array<{ name: string; where: string; ms: number; share: number }>;
}

function bucketOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const root = path.resolve(__dirname, '..');
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(root)) return `ours: ${path.relative(root, file).split('/')[0]}/`;
  return file;
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfMs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    profile.samples.forEach((nodeId, index) => selfMs.set(nodeId, (selfMs.get(nodeId) ?? 0) + (profile.timeDeltas![index] ?? 0) / 1000));
  } else {
    const perHit = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0));
    for (const node of profile.nodes) selfMs.set(node.id, (node.hitCount ?? 0) * perHit);
  }
  // Idle time is not work: it is reported apart and left out of the shares.
  let idleMs = 0;
  for (const node of profile.nodes) {
    if (node.callFrame.functionName === '(idle)') {
      idleMs += selfMs.get(node.id) ?? 0;
      selfMs.delete(node.id);
    }
  }
  const total = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, { name: string; where: string; ms: number }>();
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const bucket = bucketOf(url, functionName);
    byPackage.set(bucket, (byPackage.get(bucket) ?? 0) + ms);
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  const share = (ms: number) => Math.round((ms / total) * 1000) / 10;
  return {
    file,
    sampledMs: Math.round(total),
    idleMs: Math.round(idleMs),
    byPackage: [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: share(ms) })),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((entry) => ({ ...entry, ms: Math.round(entry.ms), share: share(entry.ms) })),
  };
}

/** The largest .cpuprofile under a folder (the tsx wrapper writes a tiny one of its own beside the real process's). */
export function largestProfile(folder: string): string | undefined {
  const files = readdirSync(folder, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(folder, name));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

if (require.main === module) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile | folder> [top]');
    process.exit(2);
  }
  const file = statSync(target).isDirectory() ? largestProfile(target) : target;
  if (!file) throw new Error(`no .cpuprofile under ${target}`);
  const summary = summarizeProfile(file, Number(process.argv[3] ?? 25));
  console.log(`${summary.file}: ${summary.sampledMs} ms busy, ${summary.idleMs} ms idle`);
  console.log('\nself time by package');
  for (const row of summary.byPackage) console.log(`  ${String(row.share).padStart(5)}%  ${String(row.ms).padStart(7)} ms  ${row.name}`);
  console.log('\ntop functions by self time');
  for (const row of summary.topFunctions) console.log(`  ${String(row.share).padStart(5)}%  ${String(row.ms).padStart(7)} ms  ${row.name}  ${row.where}`);
}

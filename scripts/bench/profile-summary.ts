// Reads a V8 .cpuprofile (node --cpu-prof) and summarizes where the busy time
// went: self time per function and per origin (latchkey's code, each npm
// package, Node's internals, GC). Idle time is left out of the percentages, so
// they read as "share of the work the service did".
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function origin(url: string): string {
  if (url === '') return '(vm)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(src\/.*)$/.exec(url);
  return own ? 'latchkey' : url;
}

function where(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules|dist)\//, '').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

export function summarizeProfile(path: string, top = 15): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    if (node.callFrame.functionName === '(idle)') return;
    busy += micros;
    const name = node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : where(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    const from = node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : origin(node.callFrame.url);
    byOrigin.set(from, (byOrigin.get(from) ?? 0) + micros);
  });
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const lines = [`busy ${(busy / 1e6).toFixed(1)} s`, '', 'self time by origin:'];
  for (const [name, micros] of sorted(byOrigin).slice(0, 12)) lines.push(`  ${pct(micros)}  ${name}`);
  lines.push('', `self time, top ${top} functions:`);
  for (const [name, micros] of sorted(self).slice(0, top)) lines.push(`  ${pct(micros)}  ${name}`);
  return lines.join('\n');
}

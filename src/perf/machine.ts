// What every benchmark and profile prints first: the machine, the engine and the build it ran on,
// so a figure is never read without its context.
import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  v8: string;
  /** simdnet's build (relaxed, simd, scalar), or the builds a run compared. */
  variant: string;
  /** The threads simdnet's kernels ran on. */
  threads: number;
  /** Load average over the last minute when measuring began: > cores means the figures are shared. */
  loadAverage: number;
  date: string;
}

export function machineInfo(variant: string, threads = 1): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    variant,
    threads,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.platform}; Node ${m.node}, V8 ${m.v8}; simdnet ${m.variant} build, ${m.threads} thread${m.threads === 1 ? '' : 's'}; load ${m.loadAverage}; ${m.date}`;
}

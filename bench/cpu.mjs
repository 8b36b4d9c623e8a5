// CPU time of a process and its descendants (nginx forks workers), from /proc/<pid>/stat.
import { readFileSync } from 'node:fs';

// Clock ticks per second for utime/stime; 100 on every Linux this runs on (getconf CLK_TCK).
const TICKS_PER_SECOND = 100;

function descendants(pid) {
  let children = [];
  try {
    for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (task !== '') children.push(Number(task));
    }
  } catch {
    return [];
  }
  for (const child of [...children]) children = children.concat(descendants(child));
  return children;
}

function ticksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime (14) + stime (15)
  } catch {
    return 0;
  }
}

/** Seconds of CPU (user + system) used so far by `pid` and its descendants; undefined off Linux. */
export function cpuSeconds(pid) {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + ticksOf(p), 0) / TICKS_PER_SECOND;
}

// The dependency graph between tasks, in memory: cycle detection for a change of one task's
// `after`, and how a cycle is written for a person. Pure: the caller loads the edges.

/** Task id → the ids of the tasks it runs after (its dependencies). */
export type DependencyMap = Map<string, string[]>;

/** Builds the map from edges packed as "task,dependsOn;task,dependsOn;…" (one row moves faster than 50,000). */
export function unpackEdges(packed: string | null | undefined): DependencyMap {
  const deps: DependencyMap = new Map();
  if (!packed) return deps;
  let start = 0;
  while (start < packed.length) {
    let end = packed.indexOf(';', start);
    if (end === -1) end = packed.length;
    const comma = packed.indexOf(',', start);
    const task = packed.slice(start, comma);
    const on = packed.slice(comma + 1, end);
    const list = deps.get(task);
    if (list) list.push(on);
    else deps.set(task, [on]);
    start = end + 1;
  }
  return deps;
}

/**
 * The cycle that giving `taskId` the dependencies `after` would close, or null. A cycle exists
 * exactly when `taskId` is reachable from one of `after` along existing "runs after" edges (the
 * task's own current edges never matter: a path ends as soon as it reaches the task). Iterative
 * depth-first search, each task visited at most once: O(tasks + edges) for the whole check.
 *
 * Returned in running order, first and last the task itself: [task, x, …, task] means the task
 * runs before x, x before …, and the last before the task again.
 */
export function findCycle(deps: DependencyMap, taskId: string, after: readonly string[]): string[] | null {
  const parent = new Map<string, string | null>();
  for (const start of after) {
    if (start === taskId) return [taskId, taskId];
    if (parent.has(start)) continue;
    parent.set(start, null);
    const stack = [start];
    while (stack.length) {
      const node = stack.pop() as string;
      for (const next of deps.get(node) ?? []) {
        if (parent.has(next)) continue;
        parent.set(next, node);
        if (next === taskId) {
          // Walk back from the task to the start: [task, …, start] is already running order
          // (each one runs before the task that named it), and the new edge closes it.
          const path: string[] = [];
          for (let n: string | null = next; n !== null; n = parent.get(n) ?? null) path.push(n);
          path.push(taskId);
          return path;
        }
        stack.push(next);
      }
    }
  }
  return null;
}

/** `#1 "refresh" → #3 "report" → #1 "refresh"` */
export function describeCycle(path: readonly string[], names: ReadonlyMap<string, string>): string {
  return path.map((id) => `#${id} ${JSON.stringify(names.get(id) ?? '?')}`).join(' → ');
}

import { ValidationError } from '../errors.ts';
import type { Sql } from '../models/sql.ts';
import { findTargets, loadUserEdges, lockUserGraph, normalizeAfter, replaceEdges, targetProblem } from '../models/task-graph.ts';
import { taskNames } from '../store/task-names.ts';
import { describeCycle, findCycle, graphFromBytes } from './graph.ts';

/**
 * Makes `after` the task's dependencies, in the caller's transaction: every id must be one of
 * the user's tasks (422 on `after.N`) and the change must close no cycle (422 on `after` naming
 * it, e.g. `would close a cycle: #1 "refresh" → #3 "report" → #1 "refresh"`). Returns the ids kept.
 */
export async function setDependencies(sql: Sql, task: { id: string; userId: string }, after: readonly (string | number)[]): Promise<string[]> {
  const ids = normalizeAfter(after);
  if (ids.length) {
    await lockUserGraph(sql, task.userId);
    const problem = targetProblem(ids, task.userId, await findTargets(sql, ids));
    if (problem) throw problem;
    const edges = await loadUserEdges(sql, task.userId);
    const cycle = findCycle(graphFromBytes(edges.bytes, edges.width, edges.base), task.id, ids);
    if (cycle) {
      const message = `would close a cycle: ${describeCycle(cycle, await taskNames(sql, cycle))}`;
      throw new ValidationError(`after: ${message}`, [{ path: 'after', message }], { cycle });
    }
  }
  await replaceEdges(sql, task, ids);
  return ids;
}

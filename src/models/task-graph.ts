// Moved to src/store/task-graph.ts; re-exported for the callers other helpers own.
export * from '../store/task-graph.ts';

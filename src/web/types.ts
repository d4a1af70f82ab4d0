// The shapes the page reads from the API (see /openapi.json), and what every view is handed.
import type { Api } from './api.ts';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  reason?: string;
  errors?: Array<{ path: string; message: string }>;
  /** A refused delete (409): the tasks that run after this one. */
  dependents?: TaskRef[];
}

export interface TaskRef {
  id: string;
  name: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Schedule {
  kind: 'cron' | 'interval' | 'once' | 'rrule';
  cron?: string;
  /** The stored rule (the parts taken from dtstart written out) and its local DTSTART. */
  rrule?: string;
  dtstart?: string;
  everySeconds?: number;
  at?: string;
  timezone: string;
  description: string;
}

export interface Task {
  id: string;
  name: string;
  prompt: string;
  /** null: the task runs only after the tasks in `after`. */
  schedule: Schedule | null;
  timezone: string;
  enabled: boolean;
  tools: string[];
  pausedReason: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  createdAt: string;
  /** Ids of the user's tasks this one runs after. */
  after: string[];
  /** How long a scheduled fire waits for `after` before it is skipped. */
  waitSeconds: number;
}

export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'missed' | 'skipped' | 'interrupted' | 'cancelled' | 'waiting';

export interface Execution {
  id: string;
  taskId: string;
  status: ExecutionStatus;
  trigger: string;
  attempt: number;
  scheduledFor: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  output: string | null;
  error: { type: string; message: string } | null;
  usage: { promptTokens: number; completionTokens: number; llmCalls: number; toolCalls: number };
  dryRun: boolean;
  /** The dependency executions whose successes let this one run. */
  satisfiedBy: string[] | null;
  /** A waiting fire is skipped at this instant unless its dependencies succeed first. */
  waitUntil: string | null;
}

export interface Step {
  index: number;
  kind: 'llm' | 'tool';
  startedAt: string;
  durationMs: number;
  [field: string]: unknown;
}

export interface Notification {
  id: string;
  taskId: string | null;
  executionId: string | null;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

/** A row of GET /api/jobs (admins): a system job declared in code, or any user's task. */
export interface Job {
  service: 'system' | 'tasks';
  id: string;
  name: string;
  description: string | null;
  schedule: Schedule | null;
  timezone: string;
  enabled: boolean;
  /** orphaned: a system job no longer declared in code; it never fires. */
  status: 'active' | 'paused' | 'orphaned';
  pausedReason: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  userId: string | null;
}

/** GET /api/tasks/graph: the user's tasks that have dependencies or dependents. */
export interface GraphNode {
  id: string;
  name: string;
  enabled: boolean;
  /** false: it runs only after the tasks it depends on. */
  scheduled: boolean;
  nextRunAt: string | null;
  lastStatus: string | null;
  lastRunAt: string | null;
}

export interface GraphEdge {
  /** Runs first. */
  from: string;
  to: string;
  /** `from` succeeded since `to` last ran on it. */
  satisfied: boolean;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Session {
  authMode: 'local' | 'apikey';
  user: { id: string; name: string; isAdmin: boolean } | null;
  tools: string[];
}

export interface ParseResult {
  schedule: Schedule;
  nextRuns: string[];
  /** The advanced form's explicit RRULE comes back as "input"; it does not show the source. */
  source: 'rules' | 'llm';
  task?: { name: string; prompt: string };
}

/** One event from GET /api/events (`reset`: reload everything, events were lost). */
export interface LiveEvent {
  id: string;
  type: string;
  taskId?: string | null;
  executionId?: string | null;
  [field: string]: unknown;
}

/** What the shell hands every view. */
export interface Ctx {
  api: Api;
  session: Session;
  /** The zone times are shown in (the browser's unless the user picked another). */
  zone(): string;
  setZone(zone: string): void;
  /** Listens to live events until the returned function is called. */
  onEvent(handler: (e: LiveEvent) => void): () => void;
  toast(message: string, kind?: 'ok' | 'error'): void;
  navigate(hash: string): void;
}

/** A view draws into `main` and returns what to undo when the user leaves it. */
export type View = (ctx: Ctx, main: HTMLElement, params: string[]) => () => void;

// The shapes the page reads from the API, inferred from the zod schemas its routes declare
// (src/api/schemas.ts, the same ones /openapi.json is generated from), and what every view is
// handed. Type-only imports: the page's files are stripped of types when served (src/api/web.ts),
// so nothing of the server reaches the browser.
import type { z } from 'zod';
import type {
  ExecutionOut,
  GraphOut,
  JobOut,
  NotificationOut,
  NotificationPageOut,
  page,
  ParseOut,
  RunOut,
  ScheduleOut,
  SessionOut,
  StepOut,
  TaskOut,
} from '../api/schemas.ts';
import type { Api } from './api.ts';

/**
 * An application/problem+json answer (src/api/problem.ts writes it; it has no zod schema). The
 * page reads the fields it knows and tolerates the rest missing.
 */
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

export type TaskRef = Pick<Task, 'id' | 'name'>;

/** A page of `T`, as `page()` declares it. */
export type Page<T> = Omit<z.infer<ReturnType<typeof page>>, 'items'> & { items: T[] };

export type Schedule = z.infer<typeof ScheduleOut>;
export type Task = z.infer<typeof TaskOut>;
export type Execution = z.infer<typeof ExecutionOut>;
export type ExecutionStatus = Execution['status'];
/** A row of GET /api/executions: an execution with its task's name and its failed tool calls. */
export type Run = z.infer<typeof RunOut>;
export type Step = z.infer<typeof StepOut>;
export type Notification = z.infer<typeof NotificationOut>;
export type NotificationPage = z.infer<typeof NotificationPageOut>;
/** A row of GET /api/jobs (admins): a system job declared in code, or any user's task. */
export type Job = z.infer<typeof JobOut>;
/** GET /api/tasks/graph: the user's tasks that have dependencies or dependents. */
export type Graph = z.infer<typeof GraphOut>;
export type GraphNode = Graph['nodes'][number];
export type GraphEdge = Graph['edges'][number];
export type Session = z.infer<typeof SessionOut>;
export type ParseResult = z.infer<typeof ParseOut>;

/**
 * One event from GET /api/events (`reset`: reload everything, events were lost). A server-sent
 * event's data has no zod schema: its fields vary with the event's type.
 */
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

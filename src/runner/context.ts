// Everything a run needs to know about its task, read in one statement: the task, its memory, the
// previous successful output and (only when it has a budget) the tokens it used this month.
import type pg from 'pg';

export interface TaskSnapshot {
  id: string;
  userId: string;
  name: string;
  prompt: string;
  timezone: string;
  tools: string[];
  model: string | null;
  /** Server-side only: the URL and secret never enter a prompt or a tool's arguments. */
  webhook: { url: string; secret: string } | null;
  monthlyTokenBudget: number | null;
  /** Tokens this task's other executions used since the start of the month in its zone. */
  monthTokens: number;
  memory: Map<string, string>;
  /** The latest successful run's output, cut to PREVIOUS_OUTPUT_CHARS. */
  previousOutput: string | null;
}

export const PREVIOUS_OUTPUT_CHARS = 4000;

const LOAD_SQL = `
select t.id::text as id, t.user_id::text as user_id, t.name, t.prompt, t.timezone, t.tools, t.model,
       t.webhook_url, t.webhook_secret, t.monthly_token_budget,
       (select left(e.output, $4) from executions e
         where e.task_id = t.id and e.status = 'succeeded' and e.id <> $2
         order by e.id desc limit 1) as previous_output,
       (select coalesce(jsonb_object_agg(m.key, m.value), '{}'::jsonb) from task_memory m where m.task_id = t.id) as memory,
       case when t.monthly_token_budget is null then 0 else
         (select coalesce(sum(e.prompt_tokens + e.completion_tokens), 0)::float8 from executions e
           where e.task_id = t.id and e.id <> $2
             and e.started_at >= (date_trunc('month', $3::timestamptz at time zone t.timezone) at time zone t.timezone))
       end as month_tokens
  from tasks t
 where t.id = $1 and t.user_id = $5`;

interface Row {
  id: string;
  user_id: string;
  name: string;
  prompt: string;
  timezone: string;
  tools: string[];
  model: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  monthly_token_budget: number | null;
  previous_output: string | null;
  memory: Record<string, unknown>;
  month_tokens: number;
}

/** Loads the run's task, or null when it no longer exists (deleted since the fire was claimed). */
export async function loadTaskSnapshot(
  pool: pg.Pool,
  ids: { taskId: string; userId: string; executionId: string },
  now: Date,
): Promise<TaskSnapshot | null> {
  // A named statement: parsed and planned once per connection, since every run sends it.
  const { rows } = await pool.query<Row>({
    name: 'runner_load_task',
    text: LOAD_SQL,
    values: [ids.taskId, ids.executionId, now, PREVIOUS_OUTPUT_CHARS, ids.userId],
  });
  const r = rows[0];
  if (!r) return null;
  const memory = new Map<string, string>();
  for (const [k, v] of Object.entries(r.memory ?? {})) memory.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    prompt: r.prompt,
    timezone: r.timezone,
    tools: r.tools ?? [],
    model: r.model,
    webhook: r.webhook_url && r.webhook_secret ? { url: r.webhook_url, secret: r.webhook_secret } : null,
    monthlyTokenBudget: r.monthly_token_budget,
    monthTokens: Number(r.month_tokens) || 0,
    memory,
    previousOutput: r.previous_output,
  };
}

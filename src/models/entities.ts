import { ApiKey } from './api-key.ts';
import { Execution } from './execution.ts';
import { ExecutionStep } from './execution-step.ts';
import { IdempotencyKey } from './idempotency-key.ts';
import { Task } from './task.ts';
import { User } from './user.ts';

export { ApiKey, Execution, ExecutionStep, IdempotencyKey, Task, User };
export const entities = [User, ApiKey, Task, Execution, ExecutionStep, IdempotencyKey];

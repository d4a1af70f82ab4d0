import { ApiKey } from './api-key.ts';
import { Execution } from './execution.ts';
import { EditProposal } from './edit-proposal.ts';
import { ExecutionStep } from './execution-step.ts';
import { IdempotencyKey } from './idempotency-key.ts';
import { Notification } from './notification.ts';
import { ScheduleReading } from './schedule-reading.ts';
import { Task } from './task.ts';
import { TaskMemory } from './task-memory.ts';
import { User } from './user.ts';
import { WebhookDelivery } from './webhook-delivery.ts';

export { ApiKey, EditProposal, Execution, ExecutionStep, IdempotencyKey, Notification, ScheduleReading, Task, TaskMemory, User, WebhookDelivery };
export const entities = [User, ApiKey, Task, Execution, ExecutionStep, IdempotencyKey, TaskMemory, Notification, WebhookDelivery, ScheduleReading, EditProposal];

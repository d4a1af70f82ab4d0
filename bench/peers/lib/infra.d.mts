// Types for infra.mjs (the orchestrator's PostgreSQL and redis-server on loopback).
export function freePort(): Promise<number>;

export class Postgres {
  constructor(dataRoot: string, logDir: string);
  port: number | null;
  pid: number | null;
  startMs: number;
  version: string;
  settings: Record<string, string> | null;
  start(): Promise<void>;
  url(db: string): string;
  createDb(name: string): Promise<string>;
  dropDb(name: string): Promise<void>;
  stop(): Promise<void>;
}

export class Redis {
  constructor(dataRoot: string, logDir: string, extraArgs?: string[]);
  static available(): string | null;
  port: number;
  pid: number;
  version: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A long-running part of a worker process (a job worker, a mailbox poller): started after migrations, stopped on SIGTERM. */
export interface Service {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

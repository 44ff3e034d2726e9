// Minimal typings for the Adobe libraries we call (they ship none).
declare module '@adobe/aio-lib-core-logging' {
  interface AioLogger {
    error(...a: unknown[]): void;
    warn(...a: unknown[]): void;
    info(...a: unknown[]): void;
    debug(...a: unknown[]): void;
  }
  function logger(name: string, config?: { level?: string; provider?: string }): AioLogger;
  export = logger;
}

declare module '@adobe/aio-lib-events';
declare module '@adobe/aio-lib-state';
declare module 'autocannon';

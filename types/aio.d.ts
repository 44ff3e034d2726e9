// Minimal typings for the Adobe libraries we call (they ship none).
declare module '@adobe/aio-lib-events';
declare module '@adobe/aio-lib-state';
declare module 'autocannon';

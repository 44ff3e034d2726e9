// The CLI's own libraries the deploy test drives (they ship no typings).
declare module '@adobe/aio-lib-runtime';
declare module '@adobe/aio-cli-lib-app-config';

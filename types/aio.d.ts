// Minimal typings for the Adobe libraries we call (they ship none).
declare module '@adobe/aio-lib-events';
declare module '@adobe/aio-lib-state';
declare module 'autocannon';

// jose's subpath exports, typed from the files its exports map points to (moduleResolution
// node does not read package exports; webpack, Jest, tsx and Node resolve the subpaths themselves)
declare module 'jose/errors' {
  export * from 'jose/dist/types/util/errors';
}
declare module 'jose/jwt/verify' {
  export * from 'jose/dist/types/jwt/verify';
}
declare module 'jose/jwks/remote' {
  export * from 'jose/dist/types/jwks/remote';
}

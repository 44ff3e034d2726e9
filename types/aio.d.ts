// Stand-ins for packages without usable types: @adobe/aio-lib-events ships a types.d.ts that
// declares globals and exports nothing (its package.json names no types), autocannon none.
// (@adobe/aio-lib-state's own types are used: src/stores/state-kv.ts.)
declare module '@adobe/aio-lib-events';
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

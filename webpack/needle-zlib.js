/**
 * What needle (the openwhisk client's HTTP library) reads of zlib, without loading
 * zlib: needle builds its gzip/deflate/br decompressors when it loads, so a
 * receiver's first hand-off loaded and initialised zlib for a body the controller
 * never compresses (needle asks for compression only with `compressed: true`,
 * which the openwhisk client never sets). Each decompressor loads zlib when a
 * compressed answer does arrive. webpack-config.js gives this module to needle in
 * place of zlib; test/build checks it against zlib itself.
 */
const zlib = () => require('node:zlib');

module.exports = {
  // zlib.constants.Z_SYNC_FLUSH and BROTLI_OPERATION_FLUSH
  Z_SYNC_FLUSH: 2,
  BROTLI_OPERATION_FLUSH: 1,
  Inflate: (options) => new (zlib().Inflate)(options),
  Gunzip: (options) => new (zlib().Gunzip)(options),
  BrotliDecompress: (options) => new (zlib().BrotliDecompress)(options),
};

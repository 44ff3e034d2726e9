/**
 * Found by `aio app build` (it looks for webpack-config.js from the action's
 * folder up to the project root) and by `npm run build:actions`. The CLI sets
 * entry, output, target and mode; we add TypeScript and minification.
 *
 * The openwhisk client (the two modules of it the invoker loads, with needle,
 * sax and async-retry) is bundled, at the version package-lock.json pins: a
 * receiver's first hand-off otherwise resolves and reads about 25 files out of
 * node_modules, ≈ 9 ms of its cold start (bench P3, median of 15 fresh
 * processes: 57.0 → 47.8 ms), for +61 KB of bundle. Kept out:
 * - `iconv-lite`: needle loads it, inside a try, only to decode a non-UTF-8
 *   body (the controller answers JSON in UTF-8) and passes the body through
 *   when it is missing; bundled it would add 270 KB of code tables.
 * - `redis`, loaded only when REDIS_URL is set: Adobe's nodejs:24 image ships
 *   redis 4.6.13, the version package.json pins.
 * needle loads two modules for answers the controller never sends, when it
 * loads: `sax` (its XML parser) and `zlib` (its decompressors). They are given
 * to needle only, as webpack/needle-sax.js (no XML parser: the body is passed
 * through) and webpack/needle-zlib.js (zlib loaded by the first compressed
 * answer): −21 KB of each receiver's main bundle, ≈ 10 M fewer instructions in
 * its first request (callgrind, user-audit: 279 → 270 M).
 */
const path = require('path');

const NEEDLE_STAND_INS = { sax: path.join(__dirname, 'webpack/needle-sax.js'), zlib: path.join(__dirname, 'webpack/needle-zlib.js') };
const needleStandIns = {
  apply(compiler) {
    compiler.hooks.normalModuleFactory.tap('needle-stand-ins', (factory) =>
      factory.hooks.beforeResolve.tap('needle-stand-ins', (data) => {
        const standIn = NEEDLE_STAND_INS[data.request];
        if (!standIn || !/[\\/]node_modules[\\/]needle[\\/]/.test(`${data.context}/`)) return;
        // zlib is a Node built-in: webpack matches built-ins as externals by the dependency's own request
        data.request = standIn;
        for (const d of data.dependencies) d.request = standIn;
      }),
    );
  },
};

module.exports = {
  devtool: false,
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [{ test: /\.ts$/, exclude: /node_modules/, use: { loader: 'ts-loader', options: { transpileOnly: false, configFile: 'tsconfig.build.json' } } }],
  },
  // pg-native: pg's optional libpq binding, required only by pg.native or NODE_PG_FORCE_NATIVE (pg/lib/index.js), in a
  // try that rethrows; external, a bundle never looks for it at load and the build has no "Can't resolve" warning
  externals: { 'iconv-lite': 'commonjs iconv-lite', redis: 'commonjs redis', 'pg-native': 'commonjs pg-native' },
  optimization: { minimize: true },
  plugins: [needleStandIns],
  performance: { hints: false },
  stats: 'errors-warnings',
};

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
 */
module.exports = {
  devtool: false,
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [{ test: /\.ts$/, exclude: /node_modules/, use: { loader: 'ts-loader', options: { transpileOnly: false, configFile: 'tsconfig.build.json' } } }],
  },
  externals: { 'iconv-lite': 'commonjs iconv-lite', redis: 'commonjs redis' },
  optimization: { minimize: true },
  plugins: [],
  performance: { hints: false },
  stats: 'errors-warnings',
};

/**
 * Found by `aio app build` (it looks for webpack-config.js from the action's
 * folder up to the project root) and by `npm run build:actions`. The CLI sets
 * entry, output, target and mode; we add TypeScript, minification, and keep
 * `openwhisk` (its main, or the two modules of it the invoker loads; and `redis`, loaded only when REDIS_URL is set) out of the
 * bundle: Adobe's nodejs:24 image (the kind app.config.yaml deploys) ships both,
 * openwhisk 3.21.8 and redis 4.6.13, the versions package.json pins so tests
 * run against what the actions get.
 */
module.exports = {
  devtool: false,
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [{ test: /\.ts$/, exclude: /node_modules/, use: { loader: 'ts-loader', options: { transpileOnly: false, configFile: 'tsconfig.build.json' } } }],
  },
  // src/delivery/invoker.ts loads the client's own two modules, falling back to its main
  externals: { openwhisk: 'commonjs openwhisk', 'openwhisk/lib/client.js': 'commonjs openwhisk/lib/client.js', 'openwhisk/lib/actions.js': 'commonjs openwhisk/lib/actions.js', redis: 'commonjs redis' },
  optimization: { minimize: true },
  plugins: [],
  performance: { hints: false },
  stats: 'errors-warnings',
};

// Runs in a fresh Node process: load one bundle, answer one request, report the times, exit (what the
// activation leaves open — a connection pool, keep-alive sockets — would otherwise hold the process).
const t0 = process.hrtime.bigint()
const file = process.argv[2]
const params = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'))
const mod = require(file)
const loaded = process.hrtime.bigint()
Promise.resolve(process.argv[4] === 'load' ? null : mod.main(params)).then((res) => {
  const done = process.hrtime.bigint()
  process.stderr.write(JSON.stringify({ loadMs: Number(loaded - t0) / 1e6, coldMs: Number(done - t0) / 1e6, status: res && (res.statusCode || (res.error ? 'error' : 'ok')) }), () => process.exit(0))
})

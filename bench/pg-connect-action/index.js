// The floor under the postgres destination's first activation in P7 (bench/destinations.ts): a bare
// `pg` client, bundled with the same webpack config, opening one connection (TCP, startup, SCRAM) and
// asking one query — no relay code. What the destination action adds is the rest of its cold start.
const { Client } = require('pg')

async function main (params) {
  const client = new Client({ connectionString: params.url })
  await client.connect()
  await client.query('SELECT 1')
  return { statusCode: 200 }
}

exports.main = main

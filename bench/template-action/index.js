// The baseline for P3: an action written the App Builder template way
// (generator-aio-app's generic action): the @adobe/aio-sdk umbrella for Core.Logger.
const { Core } = require('@adobe/aio-sdk')

async function main (params) {
  const logger = Core.Logger('main', { level: params.LOG_LEVEL || 'info' })
  try {
    logger.info('Calling the main action')
    logger.debug(JSON.stringify(Object.keys(params)))
    return { statusCode: 200, body: { received: Object.keys(params).length } }
  } catch (error) {
    logger.error(error)
    return { statusCode: 500, body: { error: 'server error' } }
  }
}

exports.main = main

/**
 * The relay process of the crash soak: the local runtime with the actions
 * from source, as `npm run serve` runs them, handing off through the real
 * `openwhisk` client to the downstream named by LOCAL_INVOKE_API_HOST, with
 * LOCAL_API_KEY as the namespace key. This process is the one the soak kills.
 */
import { serveLocally } from '../serve';

serveLocally({ bundles: false, port: Number(process.env.PORT ?? 0) })
  .then((server) => console.log(JSON.stringify({ url: server.url })))
  .catch((err: Error) => (console.error(err.message), process.exit(1)));

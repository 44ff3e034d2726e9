/** Operator status: GET → JSON report (or `?format=text`). Deployed with require-adobe-auth. */
import { runStatus } from '../../src/relay/status-run';

export const main = (params: Record<string, unknown>) => runStatus(params);

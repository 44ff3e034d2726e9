/** Operator status: GET → JSON report (or `?format=text`). Deployed with require-adobe-auth. */
import { runStatus } from '../../src/status/action';

export const main = (params: Record<string, unknown>) => runStatus(params);

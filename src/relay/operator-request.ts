/**
 * How the operator actions (status, console) take a request's params apart from
 * their settings.
 *
 * Both are deployed with `require-adobe-auth: true`, and there `final` protects
 * nothing: Adobe's security guide says so (AdobeDocs/app-builder
 * da263cffc8e16812e1ab05a3f8534ee82befe80c, src/pages/guides/app_builder_guides/
 * security/index.md, "Known issue 1: final and web annotations"), and the deploy
 * shows why (adobe/aio-lib-runtime 86eba0a7478178e8215424ca7b1850a5da2b01b9,
 * src/utils.js `rewriteActionsWithAdobeAuthAnnotation`, src/deploy-actions.js):
 * the action becomes the non-web `__secured_<name>`, which keeps the inputs, and
 * `<name>` becomes a web sequence with no params of its own:
 * `/adobeio/shared-validators-v1/app-registry` (`headless-v2` for an app without
 * a frontend), then `__secured_<name>`; the sequence is `web: raw` when the
 * action is raw, `web: yes` otherwise (raw actions are supported since
 * adobe/aio-cli-plugin-runtime#139; test/deploy checks the result). In OpenWhisk
 * (apache/openwhisk 1fae641a2b30bccb7ddc69d2d215866d899a8510) a web request may
 * not override only the web action's own final params (WebActions.scala
 * `processRequest`: the sequence's, which are none), and a sequence's component
 * runs with `action.parameters merge payload`, the payload winning
 * (PrimitiveActions.scala `invokeSimpleAction`; the final check of Actions.scala
 * is on the REST invoke only). The validator hands the params on as it got them
 * (AdobeDocs/app-builder 202fddfe2, "validators dont overwrite params.body
 * anymore").
 *
 * So as `web: yes`, a query or body field named like an input replaces that
 * input, and nothing tells the two apart. As `web: raw` the controller passes
 * the request only as `__ow_query` and `__ow_body` (WebActions.scala
 * `Context.toActionArgument` with `boxQueryAndBody`): every other param is a
 * deployed input. Both actions are therefore deployed raw (app.config.yaml),
 * read settings only from the params, and read the request's own params only
 * here, from the request, each action naming the ones it takes; a request param
 * that names an input is refused (400 `param_not_allowed`) and never read.
 */
import { isInputName } from '../config';
import { decodeRequest, type RawRequest } from '../http/request';
import { requestParams } from '../http/request-params';
import type { HttpResponse } from '../http/response';
import type { Log } from '../log';
import { ok, type Step } from '../outcome';

export interface OperatorRequest {
  req: RawRequest;
  /** the request's own params: only names in `accepts` */
  params: Record<string, unknown>;
}

/** The request of an operator action (raw web params) and its own params, or the 4xx that refuses it. */
export function operatorRequest(params: Record<string, unknown>, o: { maxBodyBytes: number; accepts: readonly string[] }): Step<OperatorRequest> {
  const req = decodeRequest(params, o.maxBodyBytes);
  if (!req.ok) return req;
  const own = requestParams(req.value, { accepts: o.accepts, inputName: isInputName });
  return own.ok ? ok({ req: req.value, params: own.value }) : own;
}

/** An operator action's answer, and for a refused request (4xx) its one log line: status and code, never a value the request sent. */
export function logged(log: Log, action: string, res: HttpResponse, fields: Record<string, unknown> = {}): HttpResponse {
  if (res.statusCode >= 400 && res.statusCode < 500) {
    const { error } = JSON.parse(res.body) as { error?: unknown };
    log.warn(`${action}: request refused`, { ...fields, status: res.statusCode, error });
  }
  return res;
}

/**
 * A real HTTP server on loopback playing a chat service's incoming webhook
 * (Slack, a Teams Workflows trigger): it answers each POST with the next scripted
 * answer (the last one repeats) and records every request, its JSON body parsed.
 * Answers: a status with a body and headers, `hang` (never answers: the client's
 * deadline must end it), `redirect` (a 302 to another URL, which must not be followed).
 */
import http from 'node:http';
import { freePort } from '../../dev/net';

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang' | { redirect: string };

export interface ChatHost {
  url: string;
  requests: { path: string; headers: http.IncomingHttpHeaders; body: unknown }[];
  script(...answers: Answer[]): void;
  close(): Promise<void>;
}

export async function chatHost(...initial: Answer[]): Promise<ChatHost> {
  let answers = initial;
  const requests: ChatHost['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // kept as text: the tests see what was sent
      }
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const answer = answers.length > 1 ? answers.shift()! : answers[0];
      if (answer === 'hang') return;
      if ('redirect' in answer) {
        res.writeHead(302, { location: answer.redirect }).end();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-token-in-path`,
    requests,
    script: (...next) => {
      answers = next;
    },
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

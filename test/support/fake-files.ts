/**
 * App Builder's file storage faked at its HTTP boundary, for the REAL
 * @adobe/aio-lib-files 4.1.4 (node_modules/@adobe/aio-lib-files/lib/init.js,
 * lib/impl/AzureBlobFiles.js; same code at github.com/adobe/aio-lib-files
 * lib/impl/AzureBlobFiles.js): `init()` asks Adobe's token vending machine
 * (@adobe/aio-lib-core-tvm 4.0.3: `GET <apiUrl>/azure/blob/<namespace>`, Basic
 * auth with the namespace key) for container SAS URLs, then talks Azure Blob's
 * REST API (@azure/storage-blob 12) to those URLs. Both answer here, on one
 * loopback listener:
 *
 *   GET  /tvm/azure/blob/<namespace>              { sasURLPrivate, sasURLPublic, expiration }
 *   PUT  /blob/<account>/<container>/<blob>?sig   Put Blob (x-ms-blob-type: BlockBlob)
 *   GET  /blob/<account>/<container>/<blob>?sig   Get Blob (content-length and etag, which the SDK's download requires)
 *   HEAD /blob/<account>/<container>/<blob>?sig   Get Blob Properties (404 BlobNotFound when absent)
 *   DELETE …/<blob>?sig                           Delete Blob
 *   GET  /blob/<account>/<container>?restype=container&comp=list&prefix=…   List Blobs (XML)
 *
 * A request without the SAS signature (or the TVM without the namespace's key)
 * is refused 403, as Azure and the TVM do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export interface FakeBlob {
  data: Buffer;
  etag: string;
  lastModified: string;
  contentType: string;
}

const SIG = 'sv=2019-02-02&sr=c&sig=fake-signature';

export class FakeFilesService {
  /** `<container>/<blob name>` → blob */
  blobs = new Map<string, FakeBlob>();
  calls: { method: string; path: string }[] = [];
  tvmCalls = 0;
  /** every blob request is answered with this status (503 ServerBusy is retried by the Azure SDK, 403 is not) */
  failWith?: 403 | 503;
  private server?: http.Server;
  url = '';

  constructor(
    readonly namespace = 'test-namespace',
    readonly apiKey = 'test-key:secret',
  ) {}

  /**
   * aio-lib-files' `init` options that point its TVM client here (the credentials come from __OW_NAMESPACE /
   * __OW_API_KEY); no cache file: "set to `false` to disable caching" (lib/init.js), though its types.d.ts says string
   */
  get tvm(): { apiUrl: string; cacheFile: string } {
    return { apiUrl: `${this.url}/tvm`, cacheFile: false as unknown as string };
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** the stored blob names of the private container */
  names(): string[] {
    return [...this.blobs.keys()].filter((k) => k.startsWith('private/')).map((k) => k.slice('private/'.length));
  }

  private answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    this.calls.push({ method, path: url.pathname });
    const send = (status: number, headers: Record<string, string> = {}, data?: Buffer | string): void => {
      res.writeHead(status, { 'x-ms-request-id': 'fake', 'x-ms-version': '2024-05-04', ...headers });
      res.end(data);
    };
    const azureError = (status: number, code: string): void =>
      send(status, { 'x-ms-error-code': code, 'content-type': 'application/xml' }, method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);

    const tvm = /^\/tvm\/azure\/blob\/([^/]+)$/.exec(url.pathname);
    if (tvm) {
      this.tvmCalls++;
      const expected = `Basic ${Buffer.from(this.apiKey).toString('base64')}`;
      if (decodeURIComponent(tvm[1]) !== this.namespace || req.headers.authorization !== expected) return send(403, { 'content-type': 'application/json' }, '{"error":"forbidden"}');
      const container = (name: string): string => `${this.url}/blob/fakeaccount/${name}?${SIG}`;
      return send(200, { 'content-type': 'application/json' }, JSON.stringify({ sasURLPrivate: container('private'), sasURLPublic: container('public'), expiration: new Date(Date.now() + 3_600_000).toISOString() }));
    }

    const blob = /^\/blob\/fakeaccount\/(private|public)(?:\/(.+))?$/.exec(url.pathname);
    if (!blob) return azureError(400, 'InvalidUri');
    if (url.searchParams.get('sig') !== 'fake-signature') return azureError(403, 'AuthenticationFailed');
    if (this.failWith) return azureError(this.failWith, this.failWith === 403 ? 'AuthorizationFailure' : 'ServerBusy');
    const [, container, rawName] = blob;
    if (!rawName) {
      if (method === 'GET' && url.searchParams.get('comp') === 'list') return this.list(container, url.searchParams.get('prefix') ?? '', send);
      return azureError(400, 'UnsupportedQueryParameter');
    }
    const key = `${container}/${decodeURIComponent(rawName)}`;
    const found = this.blobs.get(key);
    const props = (b: FakeBlob): Record<string, string> => ({
      'content-length': String(b.data.length),
      'content-type': b.contentType,
      etag: b.etag,
      'last-modified': b.lastModified,
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-creation-time': b.lastModified,
      'accept-ranges': 'bytes',
    });
    if (method === 'PUT') {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return azureError(400, 'MissingRequiredHeader');
      const stored: FakeBlob = {
        data: body,
        etag: `"0x${createHash('md5').update(body).digest('hex').slice(0, 16).toUpperCase()}"`,
        lastModified: new Date().toUTCString(),
        contentType: String(req.headers['x-ms-blob-content-type'] ?? 'application/octet-stream'),
      };
      this.blobs.set(key, stored);
      return send(201, { etag: stored.etag, 'last-modified': stored.lastModified, 'content-md5': createHash('md5').update(body).digest('base64'), 'x-ms-request-server-encrypted': 'true' });
    }
    if (!found) return azureError(404, 'BlobNotFound');
    if (method === 'HEAD') return send(200, props(found));
    if (method === 'GET') return send(200, props(found), found.data);
    if (method === 'DELETE') {
      this.blobs.delete(key);
      return send(202, { 'x-ms-delete-type-permanent': 'true' });
    }
    return azureError(405, 'UnsupportedHttpVerb');
  }

  private list(container: string, prefix: string, send: (status: number, headers: Record<string, string>, data: string) => void): void {
    const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const items = [...this.blobs]
      .filter(([k]) => k.startsWith(`${container}/${prefix}`))
      .slice(0, 1000)
      .map(([k, b]) => `<Blob><Name>${esc(k.slice(container.length + 1))}</Name><Properties><Creation-Time>${b.lastModified}</Creation-Time><Last-Modified>${b.lastModified}</Last-Modified><Etag>${b.etag}</Etag><Content-Length>${b.data.length}</Content-Length><Content-Type>${b.contentType}</Content-Type><BlobType>BlockBlob</BlobType></Properties></Blob>`)
      .join('');
    send(200, { 'content-type': 'application/xml' }, `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${this.url}/blob/fakeaccount/" ContainerName="${container}"><Prefix>${esc(prefix)}</Prefix><MaxResults>1000</MaxResults><Blobs>${items}</Blobs><NextMarker /></EnumerationResults>`);
  }
}

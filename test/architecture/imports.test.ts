/**
 * The import graph of src/: no cycles (value or type), and only the
 * composition (src/relay/) imports across every layer — a domain folder
 * (io-events, lead-push, envelope, delivery, stores, journal, status, http)
 * never imports src/relay/. Read from the sources with the TypeScript
 * compiler's own scanner, so comments and strings cannot fool it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // not this candidate
    }
  }
  return undefined;
}

export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = info.importedFiles.map((i) => resolveImport(file, i.fileName)).filter((d): d is string => d !== undefined);
    graph.set(relative(SRC, file), [...new Set(deps.map((d) => relative(SRC, d)))]);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

const layer = (file: string): string => (file.includes('/') ? file.split('/')[0] : file.replace(/\.ts$/, ''));

describe('src/ import graph', () => {
  const graph = importGraph();
  it('is read (sanity: the composition imports the receivers)', () => {
    expect(graph.get('relay/run.ts')).toEqual(expect.arrayContaining(['relay/context.ts']));
    expect(graph.size).toBeGreaterThan(40);
  });
  it('has no cycle', () => {
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });
  it('no domain module imports the composition (src/relay/)', () => {
    const wrong = [...graph].flatMap(([file, deps]) => (layer(file) === 'relay' ? [] : deps.filter((d) => layer(d) === 'relay').map((d) => `${file} → ${d}`)));
    expect(wrong).toEqual([]);
  });
});

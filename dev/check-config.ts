/**
 * `npm run check-config [-- --routes file.yaml [--print-json]]`: validates the
 * configuration the actions will get (.env / environment, ROUTES), or a routes
 * file, and says precisely what is wrong. `npm start` runs the same check.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import { parseConfig } from '../src/config';
import { parseRoutes } from '../src/delivery/routes';
import { localEnv } from './local-env';

export function checkConfig(env: Record<string, string | undefined>, routesFile?: string): { errors: string[]; routesJson?: string } {
  const config = parseConfig(env);
  const errors = config.ok ? [] : [...config.errors];
  const source = routesFile ? load(readFileSync(routesFile, 'utf8')) : env.ROUTES;
  if (source !== undefined && source !== '') {
    const routes = parseRoutes(source);
    if (!routes.ok) errors.push(...routes.errors.map((e) => `ROUTES: ${e}`));
    else if (routesFile) return { errors, routesJson: JSON.stringify(source) };
  }
  return { errors };
}

if (require.main === module) {
  const { values } = parseArgs({ options: { routes: { type: 'string' }, 'print-json': { type: 'boolean' } } });
  const { errors, routesJson } = checkConfig(localEnv(), values.routes);
  if (errors.length) {
    console.error(`configuration invalid:\n  - ${errors.join('\n  - ')}`);
    process.exit(1);
  }
  if (values['print-json'] && routesJson) console.log(`ROUTES=${routesJson}`);
  else console.log('configuration valid');
}

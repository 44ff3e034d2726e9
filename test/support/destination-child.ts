/**
 * The destination action in a process of its own (test/relay/destination-kill.test.ts
 * SIGKILLs it mid-delivery): params and inputs from DESTINATION_PARAMS (JSON).
 */
import { main } from '../../actions/destination/index';

void main(JSON.parse(process.env.DESTINATION_PARAMS ?? '{}') as Record<string, unknown>).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));

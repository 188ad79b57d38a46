/** The page's handle on the ingest worker, started once on first use. */
import { RpcClient, type RpcFailure } from '../../lib/rpc.ts';
import type { IngestApi, IngestProgress } from './protocol.ts';

export type IngestClient = RpcClient<IngestApi, IngestProgress>;

let shared: IngestClient | null = null;

export function ingestClient(onFatal: (failure: RpcFailure) => void): IngestClient {
  shared ??= new RpcClient<IngestApi, IngestProgress>(
    new Worker(new URL('./ingest.worker.ts', import.meta.url), { type: 'module', name: 'ingest' }),
    'ingest',
    onFatal,
  );
  return shared;
}

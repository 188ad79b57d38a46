/** The page's handle on the ingest worker, started once on first use. */
import { startedOnce, type RpcClient } from '../../lib/rpc.ts';
import type { IngestApi, IngestProgress } from './protocol.ts';

export type IngestClient = RpcClient<IngestApi, IngestProgress>;

export const ingestClient = startedOnce<IngestApi, IngestProgress>(
  'ingest',
  () =>
    new Worker(new URL('./ingest.worker.ts', import.meta.url), { type: 'module', name: 'ingest' }),
);

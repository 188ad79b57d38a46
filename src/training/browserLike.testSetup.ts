/**
 * For tests of code that uses tfjs's `indexeddb://` handler: fake-indexeddb, and the globals by
 * which tfjs tells a browser worker (`WorkerGlobalScope`, `self`), so that tfjs, loading after this
 * module, registers its IndexedDB router and model manager. Import it first, before tfjs.
 */
import 'fake-indexeddb/auto';

const scope = globalThis as { WorkerGlobalScope?: unknown; self?: unknown };
scope.WorkerGlobalScope ??= function WorkerGlobalScope() {};
scope.self ??= globalThis;

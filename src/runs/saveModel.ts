/**
 * Saves a model where tfjs's `indexeddb://` handler keeps it (database `tensorflowjs`, the same two
 * records, so `tf.loadLayersModel`, `tf.io.listModels` and `tf.io.removeModel` work as before), but
 * in one transaction over both stores, resolved only once that transaction has committed.
 *
 * tfjs's own handler resolves as soon as its put request succeeds. Chromium checks the quota when a
 * transaction commits, so on a full disk `model.save('indexeddb://…')` resolved and the model was
 * silently not stored (the transaction aborted afterwards with QuotaExceededError): a checkpoint
 * could name a model that was never written. Here that abort rejects the save with the browser's
 * QuotaExceededError, and nothing of the model is written.
 */
import * as tf from '@tensorflow/tfjs';

const SCHEME = 'indexeddb://';
/** tfjs's database and stores (tfjs-core `io/indexed_db`), keyed by `modelPath`. */
const DATABASE = 'tensorflowjs';
const DATABASE_VERSION = 1;
const MODELS = 'models_store';
const INFO = 'model_info_store';

export async function saveModel(model: tf.LayersModel, url: string): Promise<void> {
  if (!url.startsWith(SCHEME)) throw new Error(`Not an ${SCHEME} URL: ${url}`);
  const modelPath = url.slice(SCHEME.length);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      // As tfjs stores them: the weights as one buffer.
      const stored: tf.io.ModelArtifacts = {
        ...artifacts,
        ...(artifacts.weightData
          ? { weightData: tf.io.CompositeArrayBuffer.join(artifacts.weightData) }
          : {}),
      };
      const modelArtifactsInfo = tf.io.getModelArtifactsInfoForJSON(stored);
      await putBoth(
        { modelPath, modelArtifacts: stored, modelArtifactsInfo },
        { modelPath, modelArtifactsInfo },
      );
      return { modelArtifactsInfo };
    }),
  );
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, DATABASE_VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(MODELS, { keyPath: 'modelPath' });
      request.result.createObjectStore(INFO, { keyPath: 'modelPath' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`${DATABASE} could not be opened`));
  });
}

/** Both records in one transaction: both are stored, or (aborted) neither. */
async function putBoth(model: object, info: object): Promise<void> {
  const db = await openDatabase();
  try {
    await new Promise<void>((resolve, reject) => {
      const transaction = db.transaction([MODELS, INFO], 'readwrite');
      transaction.oncomplete = () => resolve();
      transaction.onabort = () =>
        reject(transaction.error ?? new Error('Saving the model was aborted.'));
      try {
        transaction.objectStore(MODELS).put(model);
        transaction.objectStore(INFO).put(info);
      } catch (error) {
        // A put that throws (a value that cannot be stored) must not let the other one commit.
        transaction.onabort = null;
        transaction.abort();
        reject(error);
      }
    });
  } finally {
    db.close();
  }
}

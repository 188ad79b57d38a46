import { useAppStore } from '../../store/index.ts';
import { when } from '../format.ts';

/**
 * ImageNet weights for the DenseNet-121 backbone: drop the tfjs Layers files that
 * tensorflowjs_converter writes for Keras DenseNet121(include_top=False, weights='imagenet').
 */
export function PretrainedWeights({ applies }: { applies: boolean }) {
  const { pretrained, usePretrained, pretrainedBusy, pretrainedError } = useAppStore(
    (s) => s.classifier,
  );
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const importPretrained = useAppStore((s) => s.importPretrained);
  const deletePretrained = useAppStore((s) => s.deletePretrained);
  const setUsePretrained = useAppStore((s) => s.setUsePretrained);
  const use = usePretrained && applies && pretrained !== null;

  return (
    <div className="pretrained" data-testid="pretrained">
      {pretrained ? (
        <>
          <label>
            <input
              type="checkbox"
              data-testid="use-pretrained"
              checked={use}
              disabled={!applies}
              onChange={(e) => setUsePretrained(e.target.checked)}
            />{' '}
            Start from the ImageNet weights of {pretrained.source} ({pretrained.matched} of{' '}
            {pretrained.total} layers matched, imported {when(pretrained.importedAt)})
          </label>
          <p className="muted" data-testid="pretrained-report">
            {pretrained.summary}
          </p>
          <button
            type="button"
            className="button-quiet"
            disabled={pretrainedBusy || !ready}
            onClick={() => void deletePretrained()}
          >
            Forget the weights
          </button>
        </>
      ) : (
        <p className="notice-inline">
          No ImageNet weights in this browser: the backbone trains from scratch. To start from
          ImageNet, convert Keras{' '}
          <code>DenseNet121(include_top=False, weights=&apos;imagenet&apos;)</code> with{' '}
          <code>tensorflowjs_converter --input_format keras</code> and add model.json with its .bin
          files here.
        </p>
      )}
      {!applies && pretrained && (
        <p className="muted">
          The weights fit DenseNet-121: choose the seed or recommended preset.
        </p>
      )}
      <label className="button-secondary file-button">
        {pretrainedBusy ? 'Checking the weights…' : 'Add ImageNet weights…'}
        <input
          type="file"
          multiple
          accept=".json,.bin"
          data-testid="pretrained-input"
          disabled={pretrainedBusy || !ready}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length > 0) void importPretrained(files);
          }}
        />
      </label>
      {pretrainedError && (
        <p className="error-text" role="alert" data-testid="pretrained-error">
          {pretrainedError}
        </p>
      )}
    </div>
  );
}

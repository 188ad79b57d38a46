import { useAppStore } from '../../store/index.ts';
import { when } from '../format.ts';

/**
 * ImageNet weights for the DenseNet-121 backbone: the file Keras downloads
 * (densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5), a Keras 3 .weights.h5, a torchvision
 * or timm .safetensors, or the tfjs Layers files tensorflowjs_converter writes.
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
          ImageNet, add the file Keras downloads for{' '}
          <code>DenseNet121(weights=&apos;imagenet&apos;)</code> (
          <code>densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5</code>, in{' '}
          <code>~/.keras/models/</code>), a Keras 3 <code>.weights.h5</code>, a torchvision or timm
          DenseNet-121 <code>.safetensors</code>, or a tfjs model.json with its .bin files.
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
          accept=".h5,.hdf5,.safetensors,.json,.bin,.pth,.pt"
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

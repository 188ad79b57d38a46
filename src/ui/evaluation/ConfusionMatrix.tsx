import { CLASSES, CLASS_LABELS } from '../../dataset/types.ts';
import type { BinaryConfusion } from '../../metrics/classification.ts';

/** The 3x3 matrix (argmax decisions) as a heat map: counts and row percentages. */
export function ConfusionMatrix({ confusion }: { confusion: number[][] }) {
  return (
    <table className="confusion" data-testid="confusion-matrix">
      <caption>Confusion matrix (rows: true class; columns: most probable class)</caption>
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {CLASSES.map((c) => (
            <th key={c} scope="col">
              {CLASS_LABELS[c]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {CLASSES.map((truth, t) => {
          const row = confusion[t] ?? [];
          const total = row.reduce((a, b) => a + b, 0);
          return (
            <tr key={truth}>
              <th scope="row">{CLASS_LABELS[truth]}</th>
              {CLASSES.map((predicted, p) => {
                const count = row[p] ?? 0;
                const share = total > 0 ? count / total : 0;
                return (
                  <td
                    key={predicted}
                    data-testid={`cm-${truth}-${predicted}`}
                    data-value={count}
                    style={{ background: `rgba(47, 111, 176, ${0.08 + 0.8 * share})` }}
                    className={share > 0.5 ? 'dark' : undefined}
                  >
                    <strong>{count}</strong>
                    <span>{total > 0 ? `${(share * 100).toFixed(0)}%` : '–'}</span>
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Melanoma against the rest at the threshold: [[tn, fp], [fn, tp]]. */
export function MelanomaConfusion({ confusion }: { confusion: BinaryConfusion }) {
  const [[tn, fp], [fn, tp]] = confusion;
  const cells: [string, string, number][] = [
    ['rest', 'rest', tn],
    ['rest', 'melanoma', fp],
    ['melanoma', 'rest', fn],
    ['melanoma', 'melanoma', tp],
  ];
  return (
    <table className="confusion binary" data-testid="melanoma-confusion">
      <caption>Melanoma against the rest, at the threshold</caption>
      <thead>
        <tr>
          <th scope="col">true \ called</th>
          <th scope="col">rest</th>
          <th scope="col">melanoma</th>
        </tr>
      </thead>
      <tbody>
        {(['rest', 'melanoma'] as const).map((truth) => (
          <tr key={truth}>
            <th scope="row">{truth}</th>
            {cells
              .filter(([t]) => t === truth)
              .map(([t, called, count]) => (
                <td key={called} data-testid={`mcm-${t}-${called}`} data-value={count}>
                  <strong>{count}</strong>
                  <span>
                    {t === called
                      ? t === 'melanoma'
                        ? 'true positive'
                        : 'true negative'
                      : t === 'melanoma'
                        ? 'missed'
                        : 'false alarm'}
                  </span>
                </td>
              ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

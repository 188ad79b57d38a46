import { NON_COMMERCIAL_LICENCE, type DatasetSummary } from '../../dataset/summary.ts';

/** Images per licence, where the metadata gives licences (ISIC Archive downloads). */
export function LicenceSummary({ licences }: Pick<DatasetSummary, 'licences'>) {
  if (licences.length === 0) return null;
  const text = licences.map((l) => `${l.licence} ${l.count}`).join(', ');
  const nonCommercial = licences.find((l) => l.licence === NON_COMMERCIAL_LICENCE)?.count ?? 0;
  return (
    <div
      className="muted"
      data-testid="licence-summary"
      data-value={text}
      data-state={nonCommercial > 0 ? 'non-commercial' : 'open'}
    >
      <p>Licences: {text}.</p>
      {nonCommercial > 0 && (
        <p>
          The {nonCommercial} {NON_COMMERCIAL_LICENCE} images are for non-commercial use only;
          credit their authors as the download&apos;s attribution.txt says.
        </p>
      )}
    </div>
  );
}

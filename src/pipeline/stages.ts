/**
 * The pipeline, listed once: the stepper, the page's sections (each with the panel
 * src/ui/stagePanels.tsx gives its id) and the stage in view (the navigation slice) derive from
 * this list.
 */
export const STAGES = [
  {
    id: 'dataset',
    title: 'Dataset',
    summary:
      'Drop ISIC folders or zips; images, masks and labels are decoded and stored in this browser.',
    input: 'ISIC folders or zip files',
    output: 'Images, masks and labels in IndexedDB',
  },
  {
    id: 'segmentation',
    title: 'Segmentation',
    summary: 'Train the SegNet lesion segmenter with Dice loss on your GPU.',
    input: 'Images and ground-truth masks',
    output: 'SegNet checkpoints, Dice and Jaccard per epoch',
  },
  {
    id: 'masking',
    title: 'Masking',
    summary: "Apply the segmenter's masks (or the ground truth) to every image.",
    input: 'Images and a trained SegNet',
    output: 'Masked images per split',
  },
  {
    id: 'classifier',
    title: 'Classifier',
    summary: 'Train DenseNet-121 to tell nevus, seborrheic keratosis and melanoma apart.',
    input: 'Masked images and labels',
    output: 'DenseNet checkpoints',
  },
  {
    id: 'evaluation',
    title: 'Evaluation',
    summary: 'Melanoma-vs-rest ROC curve and AUC, F1 and confusion matrices.',
    input: 'A trained classifier and the validation or test split',
    output: 'Predictions and metrics',
  },
  {
    id: 'diagnose',
    title: 'Diagnose',
    summary: 'One lesion photo in: mask overlay, class probabilities and a melanoma score.',
    input: 'One photo',
    output: 'Mask, probabilities, melanoma score',
  },
] as const;

export type Stage = (typeof STAGES)[number];
export type StageId = Stage['id'];

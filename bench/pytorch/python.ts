/** The Python that runs the PyTorch baselines (step.py, kernels.py) beside the app's benchmarks. */

/** The Python with torch: Debian's python3-torch here; `PYTHON=python3` where torch is elsewhere. */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** Why a PyTorch run failed, in one line: a missing torch said plainly, else the first line. */
export function pytorchFailure(text: string): string {
  return /No module named 'torch'|ENOENT/.test(text)
    ? `${PYTHON} has no torch (apt-get install python3-torch)`
    : (text.split('\n')[0] ?? text);
}

import { useEffect, useState, type DependencyList } from 'react';

/** What `useLoaded` has: the last value loaded, whether a load is under way, and its error. */
export interface Loaded<T> {
  /** The value of the last load that finished (kept while the next one runs); undefined before. */
  value: T | undefined;
  /** True until the load for the current inputs has finished. */
  pending: boolean;
  /** What the last finished load threw; the value is then the one before. */
  error: unknown;
}

/**
 * Loads something asynchronous (records from IndexedDB) for a component, again whenever `deps`
 * change. A result that arrives after the inputs changed or the component unmounted is dropped,
 * so a slow load never overwrites a newer one. The previous value stays shown while the next
 * loads, as a figure updated per epoch should.
 *
 * `deps` lists what `load` reads, as for `useEffect`: the lint checks it at every call site
 * (react-hooks/exhaustive-deps with `additionalHooks` in eslint.config.js). Here they are passed
 * on to `useEffect` as they are, the one place the rule is silenced.
 */
export function useLoaded<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ for: DependencyList | null; value?: T; error?: unknown }>({
    for: null,
  });
  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (live) setState({ for: deps, value });
      },
      (error: unknown) => {
        if (live) setState((s) => ({ for: deps, value: s.value, error }));
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps, checked where it calls
  }, deps);
  return {
    value: state.value,
    pending: state.for === null || !sameDeps(state.for, deps),
    error: state.error,
  };
}

function sameDeps(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((item, i) => Object.is(item, b[i]));
}

import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/**
 * Keeps a failure in one stage's panel inside that panel: the person sees what broke and can try
 * again, and the other stages (and a running ingest or training) carry on.
 */
export class StageErrorBoundary extends Component<{ title: string; children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`The ${this.props.title} stage failed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="error-banner" role="alert" data-testid="stage-error">
        <strong>The {this.props.title} panel failed:</strong> {error.message}{' '}
        <button
          type="button"
          className="button-quiet"
          onClick={() => this.setState({ error: null })}
        >
          Try again
        </button>
      </div>
    );
  }
}

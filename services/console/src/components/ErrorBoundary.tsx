import { Component, type ErrorInfo, type ReactNode } from 'react';

/** Never a blank page: a render error shows what happened and a way back. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('Console error', error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="alert alert-error" role="alert">
        <h2>Something went wrong on this page</h2>
        <p>{error.message || String(error)}</p>
        <p className="row">
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <a className="button secondary" href="/">
            Go to the start page
          </a>
        </p>
      </div>
    );
  }
}

/** What an error says, for the page. */
export const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

// Placeholder: the report handler is filled in by its issue; the stack bundles this entry.
export const handler = async (): Promise<void> => {};

/**
 * Report files are named from incident ids, with characters URLs and file systems dislike
 * replaced. Shared by the detect handler (the link in the alert) and the report writer.
 */
export const reportFileName = (incidentId: string): string =>
  `${incidentId.replace(/[^A-Za-z0-9._-]/g, "-")}.html`;

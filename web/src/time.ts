// Capture times are UTC in the API; a datetime-local field shows and takes them without a zone.

export function toIso(local: string): string {
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(local)) return local + ":00Z";
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/.test(local)) return local + "Z";
  return local;
}

export function fromIso(iso: string | undefined | null): string {
  if (!iso) return "";
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)/.exec(iso);
  return match ? match[1]! : "";
}

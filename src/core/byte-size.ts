const MB = 1024 * 1024;
const GB = 1024 * MB;

/** "1.5 GB", "350 MB", "12 KB": a size as people read it (the doctor's findings, the hub's storage alert). */
export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** MQTT topic filter matching (MQTT 3.1.1 §4.7). */

/** Whether a topic name matches a filter with + and # wildcards. */
export function topicMatches(filter: string, topic: string): boolean {
  // §4.7.2: a filter starting with a wildcard does not match topics beginning with $.
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether every topic the `requested` subscription filter could match is also matched by `allowed`:
 * how a subscription is checked against a credential's permitted filters.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  if (requested.startsWith('$') && !allowed.startsWith('$')) return false;
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i];
    if (level === '#') return true;
    if (i >= r.length) return false;
    const want = r[i];
    if (want === '#') return false;
    if (level === '+') continue;
    if (want === '+' || want !== level) return false;
  }
  return a.length === r.length;
}

/**
 * A fetch that swaps listed URLs for others before fetching: the receiver's map from the package's model
 * files, resolved against the default `modelBaseUrl`, to the URLs the app's bundler gave them.
 */
export function redirectingFetch(fetchImpl: typeof fetch, urls: Readonly<Record<string, string>>): typeof fetch {
  const map = new Map(Object.entries(urls));
  return (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const key = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
    const target = key === null ? undefined : map.get(key);
    return fetchImpl(target ?? input, init);
  };
}

import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { Page } from '../api/types';

/** Calls `fn` every `ms` while the page is visible (and once more when it becomes visible). */
export function useInterval(fn: () => void, ms: number | undefined): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!ms) return;
    const tick = () => {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') ref.current();
    };
    const id = setInterval(tick, ms);
    const onVisible = () => document.visibilityState === 'visible' && ref.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms]);
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Fetches again without clearing what is shown. */
  reload: () => Promise<void>;
  setData: (data: T) => void;
}

/** One thing fetched when `deps` change, optionally polled. */
export function useResource<T>(fetcher: () => Promise<T>, deps: DependencyList, options: { pollMs?: number } = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const generation = useRef(0);

  const run = useCallback(async (gen: number) => {
    try {
      const value = await fetcherRef.current();
      if (gen !== generation.current) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (gen !== generation.current) return;
      setError(err);
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const gen = ++generation.current;
    setLoading(true);
    setData(undefined);
    setError(undefined);
    void run(gen);
    return () => {
      generation.current++;
    };
  }, deps);

  const reload = useCallback(() => run(generation.current), [run]);
  // Data set by hand (e.g. a PATCH response) wins over fetches already under way.
  const set = useCallback((value: T) => {
    generation.current++;
    setData(value);
    setError(undefined);
    setLoading(false);
  }, []);
  useInterval(() => void reload(), options.pollMs);
  return { data, error, loading, reload, setData: set };
}

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  loadMore: () => Promise<void>;
  /** Fetches the pages shown again (same count), keeping them on screen meanwhile. */
  refresh: () => Promise<void>;
  /** Starts again from the first page. */
  reload: () => void;
  setItems: (update: (items: T[]) => T[]) => void;
}

/**
 * A cursor-paginated list (`{items, nextCursor}`): the first page when `deps` change, "load more"
 * with `nextCursor`, and a silent refresh (for polling) that re-reads the pages already shown and,
 * when the end had been reached, follows new cursors so items added at the end appear too.
 */
export function usePaged<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  deps: DependencyList,
  options: { pollMs?: number; followToEnd?: boolean; maxPages?: number } = {},
): Paged<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [reloads, setReloads] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const generation = useRef(0);
  const version = useRef(0);
  const pages = useRef(0);
  const cursorRef = useRef<string | null>(null);
  const busy = useRef(false);

  useEffect(() => {
    const gen = ++generation.current;
    version.current++;
    pages.current = 0;
    setLoading(true);
    setItemsState([]);
    setNextCursor(null);
    setError(undefined);
    fetchRef
      .current(undefined)
      .then((page) => {
        if (gen !== generation.current) return;
        pages.current = 1;
        cursorRef.current = page.nextCursor;
        setItemsState(page.items);
        setNextCursor(page.nextCursor);
      })
      .catch((err: unknown) => gen === generation.current && setError(err))
      .finally(() => gen === generation.current && setLoading(false));
    return () => {
      generation.current++;
    };
  }, [...deps, reloads]);

  const loadMore = useCallback(async () => {
    const cursor = cursorRef.current;
    if (!cursor || busy.current) return;
    busy.current = true;
    const gen = generation.current;
    const ver = ++version.current;
    setLoadingMore(true);
    try {
      const page = await fetchRef.current(cursor);
      if (gen !== generation.current || ver !== version.current) return;
      pages.current++;
      cursorRef.current = page.nextCursor;
      setItemsState((prev) => [...prev, ...page.items]);
      setNextCursor(page.nextCursor);
      setError(undefined);
    } catch (err) {
      if (gen === generation.current) setError(err);
    } finally {
      busy.current = false;
      if (gen === generation.current) setLoadingMore(false);
    }
  }, []);

  const refresh = useCallback(async () => {
    if (busy.current || pages.current === 0) return;
    busy.current = true;
    const gen = generation.current;
    const ver = version.current;
    const atEnd = cursorRef.current === null;
    const limit = options.maxPages ?? 20;
    try {
      const all: T[] = [];
      let cursor: string | undefined;
      let count = 0;
      let next: string | null = null;
      do {
        const page = await fetchRef.current(cursor);
        all.push(...page.items);
        next = page.nextCursor;
        cursor = next ?? undefined;
        count++;
      } while (next && (count < pages.current || (atEnd && options.followToEnd && count < limit)));
      if (gen !== generation.current || ver !== version.current) return;
      pages.current = count;
      cursorRef.current = next;
      setItemsState(all);
      setNextCursor(next);
      setError(undefined);
    } catch (err) {
      if (gen === generation.current) setError(err);
    } finally {
      busy.current = false;
    }
  }, []);

  useInterval(() => void refresh(), options.pollMs);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const setItems = useCallback((update: (items: T[]) => T[]) => setItemsState(update), []);
  return { items, nextCursor, loading, loadingMore, error, loadMore, refresh, reload, setItems };
}

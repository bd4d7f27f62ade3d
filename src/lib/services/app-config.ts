import { AppError } from '../domain/errors';
import type { ApiClient } from './api-client';
import { appConfigSchema, DEFAULT_CONFIG, type AppConfig } from './session-user';
import { reportError } from './report-error';

/**
 * The server's public configuration, cached in localStorage so an offline
 * start still knows the clinic's name and idle-lock time.
 */
const CACHE_KEY = 'outpost-config';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled by the browser's privacy settings: run without the cache
  }
}

function cached(): AppConfig | null {
  const raw = storage()?.getItem(CACHE_KEY);
  if (!raw) return null;
  try {
    const parsed = appConfigSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a damaged cache is replaced at the next online start
  }
}

export async function loadConfig(api: ApiClient): Promise<AppConfig> {
  try {
    const parsed = appConfigSchema.safeParse(await api.request<unknown>('/api/config'));
    if (!parsed.success) throw new AppError('internal', 'The clinic server sent a configuration this app cannot read');
    storage()?.setItem(CACHE_KEY, JSON.stringify(parsed.data));
    return parsed.data;
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'unavailable')) reportError('Loading configuration', err);
    return cached() ?? DEFAULT_CONFIG;
  }
}

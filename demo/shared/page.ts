import { readConfig, type DemoConfig } from './config.js';
import { confirmSignalingUrl } from './signalingUrl.js';

/** An element the page's HTML must have; a missing one is a page bug, reported by its id. */
export function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** The session a page URL describes, shown in the page's #session heading. */
export function openPage(): { cfg: DemoConfig; query: URLSearchParams } {
  const cfg = readConfig(location.search, location.origin);
  confirmSignalingUrl(cfg.signalingUrl, location.origin, (q) => window.confirm(q));
  $('session').textContent = `room ${cfg.room} · ${cfg.mode}${cfg.loopbackOnly ? ' · loopback only' : ''}`;
  return { cfg, query: new URLSearchParams(location.search) };
}

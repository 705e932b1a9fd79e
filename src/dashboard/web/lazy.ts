import { fill, h } from './h.js';
import { t } from './i18n.js';
import { errorText } from './ui.js';

// Views most of a shift never opens (accounts, places, intake health) and the tip view (opened
// after the inbox has shown) are separate chunks of the bundle, fetched when first needed, so
// the first page is smaller. A lazy view mounts like any other: it returns its clean-up, which
// also stops a view whose code arrives after the editor has already moved on.

type Mount<A extends unknown[]> = (root: HTMLElement, ...args: A) => () => void;

export function lazyView<A extends unknown[]>(load: () => Promise<Mount<A>>): Mount<A> & { preload: () => void } {
  let loading: Promise<Mount<A>> | null = null;
  const get = () => {
    loading ??= load();
    loading.catch(() => (loading = null));
    return loading;
  };
  const mount = (root: HTMLElement, ...args: A) => {
    let gone = false;
    let off: (() => void) | null = null;
    fill(root, h('p', { class: 'muted' }, t('loading')));
    get().then(
      (m) => {
        if (!gone) off = m(root, ...args);
      },
      (e: unknown) => {
        if (!gone) fill(root, h('p', { class: 'error', role: 'alert' }, errorText(e)));
      },
    );
    return () => {
      gone = true;
      off?.();
    };
  };
  return Object.assign(mount, { preload: () => void get().catch(() => {}) });
}

// A few DOM helpers instead of a UI library: the console is a handful of
// forms and tables, redrawn screen by screen, so nothing here needs a virtual
// DOM. No inline style anywhere: the CSP (style-src 'self') would refuse it.
import type { ApiError } from './api.js';

export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** An element with attributes (`on…` functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  element.append(...nodes(children));
  return element;
}

/** Children as the DOM takes them: nothing for null, undefined and false. */
const nodes = (children: Child[]) =>
  children.filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c));

/** Replaces an element's children (redrawing a list after a change). */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren(...nodes(children));
}

let nextId = 0;
/** A document-unique id, to tie a label to its control. */
export const uid = (prefix: string) => `${prefix}-${++nextId}`;

/** A labelled form control: the label names the control for screen readers. */
export function field(label: string, control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLElement {
  control.id ||= uid('field');
  const hintEl = hint ? h('small', { id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/** A checkbox shown as a switch, named by its label. */
export function toggle(label: string, checked: boolean, onChange: (input: HTMLInputElement) => void): { row: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'checkbox', role: 'switch', id: uid('switch'), checked });
  input.addEventListener('change', () => onChange(input));
  return { input, row: h('div', { class: 'switch' }, input, h('label', { for: input.id }, label)) };
}

/**
 * The place next to a control where the API's refusal is shown: an element
 * with role alert, so a screen reader announces it; empty while all is well.
 */
export function alertSlot(): { el: HTMLElement; show(error: ApiError): void; clear(): void } {
  const el = h('div', { role: 'alert', class: 'alert' });
  el.hidden = true;
  return {
    el,
    show(error) {
      const details = error.details.map((d) => h('li', {}, d.path ? `${d.path}: ${d.message}` : d.message));
      fill(el, h('strong', {}, error.message), ' ', h('code', {}, error.code), details.length ? h('ul', {}, ...details) : null);
      el.hidden = false;
    },
    clear() {
      el.replaceChildren();
      el.hidden = true;
    },
  };
}

/** A polite status line for what just succeeded. */
export function statusSlot(): { el: HTMLElement; say(text: string): void } {
  const el = h('p', { role: 'status', class: 'status' });
  return { el, say: (text) => void (el.textContent = text) };
}

/**
 * Asks before a destructive action, in a modal <dialog> (role dialog; the
 * browser keeps focus inside it and Escape cancels). Resolves true on confirm.
 */
export function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
    const confirm = h('button', { type: 'button', class: 'danger', value: 'confirm' }, confirmLabel);
    const dialog = h('dialog', { 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), h('p', {}, text), h('div', { class: 'actions' }, cancel, confirm));
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A table in a region that scrolls sideways on a narrow screen (focusable, so the keyboard can scroll it). */
export function table(caption: string, headers: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', {}, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...rows)),
  );
}

export const row = (...cells: Child[]) => h('tr', {}, ...cells.map((c) => h('td', {}, c)));

/** An ISO time as the admin's locale shows it, the exact value in a <time>. */
export function time(iso: string | null): Child {
  if (!iso) return '—';
  return h('time', { datetime: iso }, new Date(iso).toLocaleString());
}

/** A link to a console route (hash routes: the key never goes into a URL, only screen names do). */
export const link = (href: string, text: string, props: Props = {}) => h('a', { href: `#${href}`, ...props }, text);

/**
 * Drag and drop of files onto an element: a hint covers it while files are
 * dragged over it, and dropped files go to `onFiles`. Only drags that carry
 * files are taken (text and links dragged within the page are left alone),
 * and only while `accepts()` says so (e.g. not in a group one has left).
 */
import { h } from '../dom.js';
import { icon } from '../icons.js';

/**
 * @param {HTMLElement} el
 * @param {{ accepts: () => boolean, onFiles: (files: File[]) => void }} deps
 */
export function enableFileDrop(el, { accepts, onFiles }) {
  const hint = h(
    'div',
    { class: 'drop-hint', 'data-testid': 'drop-hint', hidden: true },
    icon('attach', 'icon'),
    'Drop files to send them',
  );
  el.append(hint);
  const carriesFiles = (event) =>
    [...(event.dataTransfer?.types ?? [])].includes('Files') && accepts();
  // dragenter/dragleave fire for every child crossed: count them.
  let depth = 0;
  el.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth++;
    hint.hidden = false;
  });
  el.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  el.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) hint.hidden = true;
  });
  el.addEventListener('drop', (event) => {
    depth = 0;
    hint.hidden = true;
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0 || !accepts()) return;
    event.preventDefault();
    onFiles(files);
  });
}

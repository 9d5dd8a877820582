/**
 * The sign-in screen: a user id and a device id, exchanged for a dev token.
 */
import { h, USER_ID } from '../dom.js';
import { icon } from '../icons.js';

/**
 * @param {{ user?: string, device: string,
 *           onSubmit: (user: string, device: string) => Promise<void> }} options
 */
export function signInView({ user = '', device, onSubmit }) {
  const userInput = h('input', {
    id: 'signin-user',
    name: 'user',
    'data-testid': 'signin-user',
    autocomplete: 'username',
    required: true,
    pattern: '[A-Za-z0-9_.\\-]{1,64}',
    placeholder: 'alice',
    value: user,
  });
  const deviceInput = h('input', {
    id: 'signin-device',
    name: 'device',
    'data-testid': 'signin-device',
    required: true,
    pattern: '[A-Za-z0-9_.\\-]{1,64}',
    value: device,
  });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'signin-error' });
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'signin-submit' },
    'Sign in',
  );
  const form = h(
    'form',
    {
      class: 'signin-card',
      'data-testid': 'signin-form',
      'aria-labelledby': 'signin-title',
      onsubmit: async (event) => {
        event.preventDefault();
        const u = userInput.value.trim();
        const d = deviceInput.value.trim();
        if (!USER_ID.test(u) || !USER_ID.test(d)) {
          error.textContent = 'User and device: 1 to 64 letters, digits, ".", "_" or "-".';
          return;
        }
        submit.disabled = true;
        error.textContent = '';
        try {
          await onSubmit(u, d);
        } catch (err) {
          error.textContent = err.message;
          submit.disabled = false;
        }
      },
    },
    h('h1', { id: 'signin-title' }, icon('chat', 'icon logo'), 'Parley'),
    h('p', { class: 'muted' }, 'Sign in with a development token.'),
    h('label', { for: 'signin-user' }, 'User id'),
    userInput,
    h('label', { for: 'signin-device' }, 'Device id'),
    deviceInput,
    error,
    submit,
  );
  return h('main', { class: 'signin' }, form);
}

// The login form: login + password, one error line, the button disabled while the request runs.
import { ApiError, api } from './api.ts';
import { h, uid } from './dom.ts';
import type { LoginResponse } from '../../core/contracts.ts';

export interface LoginView {
  readonly root: HTMLElement;
  /** Show the form, optionally with a message (e.g. "登录已过期 Session expired"), and focus it. */
  show(message?: string): void;
  hide(): void;
}

export function createLoginView(onLoggedIn: (result: LoginResponse) => void): LoginView {
  const loginId = uid('login');
  const passwordId = uid('password');
  const errorId = uid('login-error');

  const loginInput = h('input', {
    testid: 'login-input',
    attrs: {
      id: loginId,
      name: 'login',
      type: 'text',
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      required: true,
      'aria-describedby': errorId,
    },
  });
  const passwordInput = h('input', {
    testid: 'password-input',
    attrs: {
      id: passwordId,
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
      'aria-describedby': errorId,
    },
  });
  const submit = h(
    'button',
    { class: 'btn btn-primary', testid: 'login-submit', attrs: { type: 'submit' } },
    '登录 Log in',
  );
  const error = h('p', { class: 'form-error', testid: 'login-error', attrs: { id: errorId, role: 'alert' } });

  const form = h(
    'form',
    {
      class: 'login-card',
      testid: 'login-form',
      attrs: { novalidate: true, 'aria-labelledby': 'login-title' },
    },
    h('h1', { attrs: { id: 'login-title' } }, '坐席登录 ', h('span', { class: 'en' }, 'Agent sign-in')),
    h('div', { class: 'field' }, h('label', { attrs: { for: loginId } }, '工号/账号 Login'), loginInput),
    h('div', { class: 'field' }, h('label', { attrs: { for: passwordId } }, '密码 Password'), passwordInput),
    error,
    submit,
  );

  const root = h('main', { class: 'login-view' }, form);

  const setError = (message: string): void => {
    error.textContent = message;
    error.hidden = !message;
  };
  setError('');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const login = loginInput.value.trim();
    const password = passwordInput.value;
    if (!login || !password) {
      setError('请输入账号和密码 Please enter login and password');
      (login ? passwordInput : loginInput).focus();
      return;
    }
    setError('');
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    api
      .login(login, password)
      .then((result) => {
        passwordInput.value = '';
        onLoggedIn(result);
      })
      .catch((err: unknown) => {
        setError(err instanceof ApiError ? err.message : '登录失败 Login failed');
        passwordInput.select();
        passwordInput.focus();
      })
      .finally(() => {
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });

  return {
    root,
    show(message = '') {
      setError(message);
      passwordInput.value = '';
      root.hidden = false;
      (loginInput.value ? passwordInput : loginInput).focus();
    },
    hide() {
      root.hidden = true;
      setError('');
    },
  };
}

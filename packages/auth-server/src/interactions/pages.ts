/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem}.error{color:#a00}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const errorLine = (code?: string, message?: string) =>
  code ? `<p class="error" role="alert" data-error-code="${escapeHtml(code)}">${escapeHtml(message ?? code)}</p>` : '';

/** The login form; posts back to the interaction it belongs to. */
export function renderLoginPage(input: { uid: string; clientId: string; username?: string; errorCode?: string; errorMessage?: string }): string {
  const uid = encodeURIComponent(input.uid);
  return layout('Sign in', `<p>Sign in to continue to <strong>${escapeHtml(input.clientId)}</strong>.</p>
${errorLine(input.errorCode, input.errorMessage)}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" required autofocus value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
}

/** The consent page: what the client asks for and what the user's roles allow. */
export function renderConsentPage(input: { uid: string; clientId: string; username: string; granted: string[]; refused: string[] }): string {
  const uid = encodeURIComponent(input.uid);
  const list = (items: string[]) => `<ul>${items.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`;
  return layout('Allow access?', `<p>Signed in as <strong>${escapeHtml(input.username)}</strong>.</p>
<p><strong>${escapeHtml(input.clientId)}</strong> asks for:</p>${list(input.granted)}
${input.refused.length ? `<p>Not available to your roles (will not be granted):</p>${list(input.refused)}` : ''}
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`);
}

/** Error page for our own endpoints and for oidc-provider's renderError. */
export function renderErrorPage(code: string, message?: string): string {
  return layout('Something went wrong', errorLine(code, message ?? code));
}

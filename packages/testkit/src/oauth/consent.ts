// The consent page both stand-ins show: "Sign in to <Provider> as <account>", an account picker and
// Authorize / Cancel. It posts back to the authorize path, so a browser test clicks through it like the real one.

export type ConsentAccount = { value: string; label: string; detail: string; selected: boolean }

export type ConsentPage = {
  provider: string
  /** Where the form posts (the authorize path). */
  action: string
  /** The Authorization id the decision belongs to. */
  requestId: string
  clientId: string
  redirectUri: string
  scopes: string[]
  accounts: ConsentAccount[]
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

export function consentHtml(page: ConsentPage): string {
  const selected = page.accounts.find((a) => a.selected) ?? page.accounts[0]
  const accounts = page.accounts
    .map(
      (a) =>
        `<label class="account"><input type="radio" name="account" value="${escapeHtml(a.value)}"` +
        `${a === selected ? ' checked' : ''}> <b>${escapeHtml(a.label)}</b> <small>${escapeHtml(a.detail)}</small></label>`,
    )
    .join('\n')
  const scopes = page.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')
  const host = (() => {
    try {
      return new URL(page.redirectUri).host
    } catch {
      return page.redirectUri
    }
  })()
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to ${escapeHtml(page.provider)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
.account{display:block;padding:.5rem;border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;cursor:pointer}
button{font-size:1rem;padding:.45rem 1.1rem;margin-right:.5rem;border-radius:6px;border:1px solid #d0d7de}
#authorize{background:#1f883d;color:#fff;border-color:#1f883d}
</style></head>
<body>
<h1>Sign in to ${escapeHtml(page.provider)} as <span id="account-name">${escapeHtml(selected?.label ?? '')}</span></h1>
<p><b>${escapeHtml(page.clientId)}</b> wants to access your account and will return you to <b>${escapeHtml(host)}</b>.</p>
${scopes ? `<ul id="scopes">${scopes}</ul>` : ''}
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="request" value="${escapeHtml(page.requestId)}">
<fieldset><legend>Account</legend>
${accounts}
</fieldset>
<p><button id="authorize" type="submit" name="decision" value="authorize">Authorize</button>
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button></p>
</form>
<script>
for (const input of document.querySelectorAll('input[name=account]')) {
  input.addEventListener('change', () => {
    document.getElementById('account-name').textContent = input.parentElement.querySelector('b').textContent
  })
}
</script>
</body></html>`
}

/** The page a provider shows instead of redirecting when it cannot trust the redirect_uri or client. */
export function errorHtml(provider: string, title: string, detail: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(provider)}: ${escapeHtml(title)}</title></head>
<body><h1 id="error">${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></body></html>`
}

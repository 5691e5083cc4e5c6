// The chat widget: everything it knows about sessions is these calls to @latchkey/browser.
import { createLatchkey, LatchkeyError } from '/latchkey/index.js';

const config = await (await fetch('/demo-config.json')).json();
const $ = (id) => document.getElementById(id);

const latchkey = createLatchkey({
  baseUrl: config.latchkeyUrl,
  appId: config.appId,
  // The site's backend signs a JWT for its signed-in user; no user, no token: anonymous.
  async getCustomerToken() {
    const res = await fetch('/api/customer-token');
    return res.status === 200 ? res.text() : null;
  },
});
latchkey.onSession((session) => console.info('latchkey: new session', session));

function show(session, ms) {
  $('session-error').hidden = true;
  $('session-details').hidden = false;
  $('session-status').textContent =
    session.authMethod === 'authenticated' ? 'Signed-in session' : 'Anonymous session';
  $('session-user').textContent = session.userId;
  $('session-method').textContent = session.authMethod;
  $('session-expires').textContent = new Date(session.expiresAt).toLocaleString();
  $('session-took').textContent = ms === undefined ? '—' : `${Math.round(ms)} ms`;
  const fallback = $('session-fallback');
  fallback.hidden = !session.fallbackReason;
  fallback.textContent = session.fallbackReason
    ? `Sign-in was refused (${session.fallbackReason}): chatting anonymously instead.`
    : '';
}

function fail(error) {
  const alert = $('session-error');
  alert.hidden = false;
  alert.textContent =
    error instanceof LatchkeyError
      ? `latchkey refused: ${error.code}${error.reason ? ` (${error.reason})` : ''} — ${error.message}`
      : String(error);
  $('session-status').textContent = 'No session';
}

async function refresh() {
  $('session-status').textContent = 'Getting a session…';
  const started = performance.now();
  try {
    show(await latchkey.getSession(), performance.now() - started);
  } catch (error) {
    fail(error);
  }
}

async function switchUser(path, body) {
  await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  // The page's user changed: forget the widget's session and get the new one.
  latchkey.signOut();
  $('messages').replaceChildren();
  await refresh();
}

$('anonymous').addEventListener('click', () => switchUser('/api/logout'));
$('alice').addEventListener('click', () => switchUser('/api/login', { user: 'alice' }));
$('expired').addEventListener('click', () => switchUser('/api/login', { user: 'alice', expired: true }));

$('chat').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('message');
  const line = (text, who) => {
    const item = document.createElement('li');
    item.className = who;
    item.textContent = text;
    $('messages').append(item);
  };
  line(input.value, 'me');
  try {
    // fetch() adds the session token, and on a 401 gets a new session and retries once.
    const res = await latchkey.fetch('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: input.value }),
    });
    const body = await res.json();
    line(res.ok ? body.reply : `Error ${res.status}: ${body.error?.code}`, 'bot');
  } catch (error) {
    fail(error);
  }
});

await refresh();

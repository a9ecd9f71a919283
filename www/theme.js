// A link's theme=light|dark (embeds), applied before the first paint so a
// dark frame never flashes white; the app keeps it (src/link.rs reads it).
// And whether the address has a query at all: the landing markup the page
// is sent with (scripts/assets.mjs) is a plain address's first view, hidden
// for a link, a lesson or an embed, which the app draws otherwise.
// A classic script of its own, not inline: the content security policy
// allows scripts from this origin only (scripts/headers.mjs).
(() => {
  const theme = new URLSearchParams(location.search).get('theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  if (location.search.length > 1) document.documentElement.dataset.link = '';
})();
